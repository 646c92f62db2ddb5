// Many namespaces with one peer (issue #15): two node::Daemons over loopback, each with its own
// LMDB home holding a read capability for each of N owned namespaces; A holds E entries in each,
// B none. Measures, for the first session (B dials A and reconciles every namespace) and a
// second one (B restarted; nothing differs): the time from B's start until its session is in
// sync (this includes the 250 ms of quiet that "in sync" waits for), the TCP bytes each way, and
// the process's peak RSS growth. The second session's bytes per namespace stay constant: what
// differs is nothing.
//
//   build/bench/daemon_scale_bench [namespaces (default 1000)] [entries each (default 4)]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_home.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/node/daemon.hpp"
#include "osier/store/authoriser.hpp"

namespace {

using namespace osier;
using Clock = std::chrono::steady_clock;

long peak_rss_kib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Run {
  double seconds = 0;
  std::uint64_t bytes_in = 0;  // at B
  std::uint64_t bytes_out = 0;
  std::uint64_t roots = 0;
};

// B dials A until its session is in sync, then stops.
Run session(bench::BenchHome& b, const net::Endpoint& a, std::size_t namespaces) {
  node::DaemonOptions o;
  o.as = "me";
  o.listen = net::Endpoint{"127.0.0.1", 0};
  o.peers = {a};
  o.use_peer_list = false;
  o.control_socket = false;
  if (std::getenv("OSIER_BENCH_LOG") != nullptr) {
    o.log = [](const std::string& line) { std::fprintf(stderr, "B: %s\n", line.c_str()); };
  }
  const Clock::time_point t0 = Clock::now();
  auto d = node::Daemon::start(*b.home, *b.store, o).value();
  std::thread t([&] { d->run(); });
  Run r;
  for (;;) {
    Result<node::DaemonStatus> s = d->status();
    if (s && s->peers.size() == 1 && s->peers[0].summary.in_sync &&
        s->peers[0].summary.namespaces.size() == namespaces) {
      r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      r.roots = s->peers[0].summary.roots_complete;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (Clock::now() - t0 > std::chrono::minutes(10)) {
      std::fprintf(stderr, "no sync within 10 minutes\n");
      std::abort();
    }
  }
  d->stop();
  t.join();
  const node::DaemonStatus s = d->status().value();
  r.bytes_in = s.peers[0].last_bytes_in;
  r.bytes_out = s.peers[0].last_bytes_out;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  const std::size_t per = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4;
  char tmpl[] = "/tmp/osier_daemon_scale_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  {
    bench::BenchHome a(dir + "/a"), b(dir + "/b");
    const crypto::Ed25519SecretKey writer = crypto::Ed25519SecretKey::generate();
    const Clock::time_point setup = Clock::now();
    std::vector<store::AuthorisedEntry> entries;
    for (std::size_t i = 0; i < n; ++i) {
      // An owned namespace: a key pair whose public key is not communal.
      crypto::Ed25519SecretKey ns_key = crypto::Ed25519SecretKey::generate();
      while (model::is_communal(ns_key.public_key())) ns_key = crypto::Ed25519SecretKey::generate();
      for (bench::BenchHome* h : {&a, &b}) {
        h->hold(meadowcap::OwnedCapability::create(ns_key, meadowcap::AccessMode::kRead,
                                                   h->key.public_key()));
      }
      const meadowcap::McCapability write(meadowcap::OwnedCapability::create(
          ns_key, meadowcap::AccessMode::kWrite, writer.public_key()));
      for (std::size_t k = 0; k < per; ++k) {
        model::Entry e;
        e.namespace_id = ns_key.public_key();
        e.subspace_id = writer.public_key();
        e.path = model::Path::from_strings({"e", std::to_string(k)}).value();
        e.timestamp = 1000 + k;
        e.payload_length = 0;
        e.payload_digest = meadowcap::default_payload_digest();  // WILLIAM3 of no bytes
        auto s = meadowcap::AuthorisedEntry::sign(e, write, writer).value();
        entries.push_back({s.entry(), store::encode_token_bytes(s.token()).value()});
      }
    }
    if (!a.store->ingest_batch(entries, store::Trust::kVerify).is_ok()) std::abort();
    std::printf("%zu namespaces, %zu entries each; setup %.1f s\n", n, per,
                std::chrono::duration<double>(Clock::now() - setup).count());
    std::fflush(stdout);

    node::DaemonOptions o;
    o.as = "me";
    o.listen = net::Endpoint{"127.0.0.1", 0};
    o.use_peer_list = false;
    o.control_socket = false;
    auto da = node::Daemon::start(*a.home, *a.store, o).value();
    std::thread ta([&] { da->run(); });
    const net::Endpoint ea{"127.0.0.1", da->port()};
    const long rss0 = peak_rss_kib();
    const Run first = session(b, ea, n);
    const long rss1 = peak_rss_kib();
    const Run second = session(b, ea, n);
    const long rss2 = peak_rss_kib();
    da->stop();
    ta.join();
    const auto line = [&](const char* what, const Run& r, long rss_growth) {
      std::printf(
          "%s: %.3f s to in sync (%llu roots), %llu B in + %llu B out at B = %.0f B per "
          "namespace, peak RSS +%ld KiB\n",
          what, r.seconds, static_cast<unsigned long long>(r.roots),
          static_cast<unsigned long long>(r.bytes_in), static_cast<unsigned long long>(r.bytes_out),
          static_cast<double>(r.bytes_in + r.bytes_out) / static_cast<double>(n), rss_growth);
    };
    line("first session (B empty)", first, rss1 - rss0);
    line("second session (nothing differs)", second, rss2 - rss1);
  }
  (void)std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
