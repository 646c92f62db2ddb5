// Live propagation through daemons (issue #15): three node::Daemons in a line A - B - C over
// loopback, each with its own LMDB home, on threads of one process. After the first
// reconciliation, each of N writes (an entry with a 100-byte payload, written to A's store) is
// timed from just before the write until C's store delivers its kInserted event with the payload
// whole; the next write starts after that. Prints the median, 90th and 99th percentiles and the
// maximum. An end-to-end tool, not a Google Benchmark: one latency distribution per run.
//
//   build/bench/daemon_bench [writes (default 1000)] [payload bytes (default 100)]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_home.hpp"
#include "osier/base/io.hpp"
#include "osier/node/daemon.hpp"
#include "sync/owned_namespace_util.hpp"

namespace {

using namespace osier;
using Clock = std::chrono::steady_clock;

struct Running {
  std::unique_ptr<node::Daemon> daemon;
  std::thread thread;
  Running(bench::BenchHome& h, std::vector<net::Endpoint> peers) {
    node::DaemonOptions o;
    o.as = "me";
    o.listen = net::Endpoint{"127.0.0.1", 0};
    o.peers = std::move(peers);
    o.reconnect_min = std::chrono::milliseconds(20);
    daemon = node::Daemon::start(*h.home, *h.store, std::move(o)).value();
    thread = std::thread([this] { daemon->run(); });
  }
  ~Running() {
    daemon->stop();
    thread.join();
  }
  net::Endpoint endpoint() const { return net::Endpoint{"127.0.0.1", daemon->port()}; }
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const std::size_t writes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  const std::size_t size = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100;
  char tmpl[] = "/tmp/osier_daemon_bench_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  std::vector<double> latencies;
  std::vector<double> local;  // the write at A alone (its commit)
  {
    bench::BenchHome a(dir + "/a"), b(dir + "/b"), c(dir + "/c");
    for (bench::BenchHome* h : {&a, &b, &c}) {
      h->hold(sync::testing::owned_read_capability(h->key.public_key()));
    }
    // C tells the writer when each entry has arrived with its payload whole.
    std::mutex mu;
    std::condition_variable cv;
    std::size_t arrived = 0;
    const store::SubscriptionId sub =
        c.store
            ->subscribe(sync::testing::owned_namespace(), model::Area::full(), std::nullopt,
                        [&](const store::StoreEvent& e) {
                          const bool whole = e.available == e.entry.payload_length;
                          if (!whole || (e.kind != store::EventKind::kInserted &&
                                         e.kind != store::EventKind::kPayloadAppended)) {
                            return;
                          }
                          const std::lock_guard<std::mutex> lock(mu);
                          ++arrived;
                          cv.notify_all();
                        })
            .value();
    Running ra(a, {});
    Running rb(b, {ra.endpoint()});
    Running rc(c, {rb.endpoint()});
    // Until both sessions are up and reconciled: a first write that must arrive.
    std::size_t expected = 0;
    const auto write_and_wait = [&](std::size_t i) {
      Bytes payload(size);
      for (std::size_t k = 0; k < size; ++k) payload[k] = static_cast<std::uint8_t>(i + k * 31);
      const store::AuthorisedEntry ae = sync::testing::owned_entry_with_payload(
          {"bench", std::to_string(i)}, payload, 1'000'000 + i);
      const Clock::time_point t0 = Clock::now();
      if (!a.store->ingest_with_payload(ae, memory_source(payload)).is_ok()) std::abort();
      local.push_back(ms(Clock::now() - t0));
      ++expected;
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return arrived >= expected; })) {
        std::fprintf(stderr, "write %zu did not arrive at C within 30 s\n", i);
        std::abort();
      }
      return Clock::now() - t0;
    };
    std::printf("first write (sessions starting, reconciliation): %.1f ms\n",
                ms(write_and_wait(0)));
    for (std::size_t i = 1; i <= writes; ++i) latencies.push_back(ms(write_and_wait(i)));
    c.store->unsubscribe(sub);
  }
  (void)std::system(("rm -rf '" + dir + "'").c_str());
  const auto report = [](const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const auto pct = [&](double p) {
      return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
    };
    std::printf("%s: median %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n", what, pct(0.5),
                pct(0.9), pct(0.99), v.back());
  };
  std::printf("%zu writes of %zu-byte payloads\n", latencies.size(), size);
  report("write at A until whole at C (A -> B -> C)", latencies);
  report("the write at A alone (one durable commit)", local);
  return 0;
}
