// Sync session end to end, in process (issue #14): two sync::Sessions over two LCMUX sessions,
// each over its own LmdbStore (sync_commits = false unless --sync-commits=1), the bytes between
// them moved by this program and counted exactly (no TCP, no transport encryption). Prints one line
// of figures.
//
//   sync_session_bench --n=100000 --workload=scattered|newest|identical|initial
//                      [--paths=ordered|random] [--dir=/tmp/osier-sync-bench] [--export=PREFIX]
//                      [--ingest-batch=N] [--sync-commits=0|1] [--split=K] [--threshold=T]
//                      [--max-open=N] [--pace=0|1] [--perf-ctl=FIFO]
//
// Entries: one owned namespace, one writer capability and key, subspace [1; 32], path
// ("feed", <name of i>), timestamp kT0 + 1000 i (microseconds), payload length 100 + i % 1000 with
// a digest no store holds (no payload moves). <name of i> is i zero-padded to 10 digits (paths
// ordered like timestamps, --paths=ordered) or 16 hex digits of WILLIAM3(i) (--paths=random,
// the default: the newest entries lie scattered in path order). Each entry is signed once (both
// cores) and stored with Store::ingest_batch(Trust::kAlreadyVerified), batches of 10,000.
//
// Workloads, each side holding --n entries:
//   scattered  n + n/100 entries; n/100 chosen at random held only by Alfie, another n/100
//              only by Betty: 1% of each side is new to the other
//   newest     the same, the 2n/100 private entries being the newest ones, shared at random
//   identical  both hold the same n entries
//   initial    Alfie holds n, Betty none (an initial sync into an empty node); also times the
//              bare Ed25519 verification of the n tokens' signatures, the full
//              meadowcap_is_authorised_write of each, and the same check with the capability's
//              validity remembered (meadowcap::VerifiedCapabilities, as the session checks), as
//              the anchor (wall and CPU time of each)
//
// --ingest-batch=N sets sync::RbsrConfig::ingest_batch (received entries per store write; the
// default is RbsrConfig's). --sync-commits=1 opens both stores with LmdbStoreOptions::sync_commits
// (the node's default: every commit waits for the disk) instead of without.
//
// The driver alternates: Alfie's turn runs on_progress and takes its output until it has no
// more (flow control permitting), all of it is then fed to Betty; then Betty's turn, and so on
// until both are idle with nothing to say. A flight is one such non-empty delivery; flights
// counts the alternations of direction (both opening at once count 2), round trips =
// ceil(flights / 2). Wall time: from the sessions' creation to the end, both sides on this one
// thread (store writes of received entries included, the stores' filling not); and the CPU time
// of the same span.
//
// moved_bytes: the entries that had to move, each encode_entry + its token as stored
// (store::encode_token_bytes: the capability and the signature); moved_sig: encode_entry + the
// 64-byte signature only (the session sends the capability once, as a handle binding).
// overhead = wire - moved_bytes (and wire - moved_sig).
//
// --perf-ctl=FIFO writes "enable" to FIFO before the sync and "disable" after it, so that
// `perf record --control=fifo:FIFO -D -1 ...` samples the sync alone (not the signing and filling
// that take most of the run).
//
// --export=PREFIX writes PREFIX.alfie and PREFIX.betty: per entry of that side, the timestamp
// (8 bytes little endian) and WILLIAM3(encode_entry) (32 bytes), for a negentropy anchor
// (docs/benchmarks.md, "Sync").
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "meadowcap/verified_capabilities.hpp"
#include "net/sync_app.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"
#include "sync/session.hpp"
// Deterministic keys (no test framework in it).
#include "../tests/meadowcap/mc_test_util.hpp"

namespace {

using namespace osier;
using Clock = std::chrono::steady_clock;

// --split, --threshold, --max-open (RbsrConfig::max_open_ranges) and --pace (pace_splits; the
// RbsrConfig defaults unless given).
sync::RbsrConfig rbsr_tuning;

using meadowcap::testing::key;

constexpr std::uint64_t kT0 = 1'700'000'000'000'000;
constexpr std::size_t kIngestBatch = 10'000;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr std::uint8_t kWriter = 1, kAlfie = 2, kBetty = 3;

const meadowcap::McCapability& writer_capability() {
  static const meadowcap::McCapability cap(
      meadowcap::OwnedCapability::create(meadowcap::testing::namespace_key(false),
                                         meadowcap::AccessMode::kWrite, key(kWriter).public_key()));
  return cap;
}

meadowcap::McCapability read_capability(std::uint8_t who) {
  return meadowcap::OwnedCapability::create(meadowcap::testing::namespace_key(false),
                                            meadowcap::AccessMode::kRead, key(who).public_key());
}

std::string name_of(std::size_t i, bool random_paths) {
  char buf[24];
  if (!random_paths) {
    std::snprintf(buf, sizeof buf, "%010zu", i);
    return buf;
  }
  std::uint64_t v = i;
  std::uint8_t in[8];
  std::memcpy(in, &v, 8);
  const auto d = crypto::william3(ByteView(in, 8));
  for (int k = 0; k < 8; ++k) std::snprintf(buf + 2 * k, 3, "%02x", d[k]);
  return buf;
}

store::AuthorisedEntry make_entry(std::size_t i, bool random_paths) {
  model::Entry e;
  e.namespace_id = writer_capability().granted_namespace();
  e.subspace_id.fill(1);
  e.path = model::Path::from_strings({"feed", name_of(i, random_paths)}).value();
  e.timestamp = kT0 + 1000 * i;
  e.payload_length = 100 + i % 1000;
  e.payload_digest.fill(static_cast<std::uint8_t>(i));
  auto s = meadowcap::AuthorisedEntry::sign(e, writer_capability(), key(kWriter)).value();
  return {s.entry(), store::encode_token_bytes(s.token()).value()};
}

// Entries 0..n-1, signed on every core.
std::vector<store::AuthorisedEntry> make_entries(std::size_t n, bool random_paths) {
  (void)writer_capability();  // built once, before the threads
  std::vector<store::AuthorisedEntry> out(n);
  const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += threads) out[i] = make_entry(i, random_paths);
    });
  }
  for (auto& th : pool) th.join();
  return out;
}

std::unique_ptr<store::Store> open_store(const std::filesystem::path& dir, bool sync_commits) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  store::LmdbStoreOptions opts;
  opts.map_size = std::uint64_t{1} << 36;
  opts.sync_commits = sync_commits;
  auto s = store::LmdbStore::open(dir, opts);
  if (!s) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), s.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

void fill(store::Store& s, const std::vector<store::AuthorisedEntry>& all,
          const std::vector<std::size_t>& which) {
  std::vector<store::AuthorisedEntry> batch;
  for (std::size_t k = 0; k < which.size(); ++k) {
    batch.push_back(all[which[k]]);
    if (batch.size() == kIngestBatch || k + 1 == which.size()) {
      if (!s.ingest_batch(batch, store::Trust::kAlreadyVerified)) {
        std::fprintf(stderr, "fill failed\n");
        std::exit(1);
      }
      batch.clear();
    }
  }
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One side: its store, LCMUX session and sync session.
struct Side {
  Side(store::Store& s, std::uint8_t who, std::uint8_t peer, sync::HandshakeRole role,
       std::size_t ingest_batch)
      : store(s), mux(sync::LcmuxSession::create(net::SyncApp::lcmux_options()).value()) {
    // What net::SyncApp grants.
    const net::SyncAppOptions app;
    for (const auto& [channel, capacity] :
         {std::pair{sync::LogicalChannel::kReconciliation, app.reconciliation_channel_capacity},
          std::pair{sync::LogicalChannel::kData, app.data_channel_capacity}}) {
      if (!mux.set_capacity(static_cast<std::uint64_t>(channel), capacity)) {
        std::fprintf(stderr, "set_capacity failed\n");
        std::exit(1);
      }
    }
    sync::SessionConfig config;
    config.read_capabilities = {read_capability(who)};
    config.session_id = 7;
    config.rbsr.split_factor = rbsr_tuning.split_factor;
    config.rbsr.send_entries_threshold = rbsr_tuning.send_entries_threshold;
    config.set_max_open_ranges(rbsr_tuning.max_open_ranges);
    config.rbsr.pace_splits = rbsr_tuning.pace_splits;
    config.rbsr.ingest_batch = ingest_batch;
    sync::HandshakeResult hs;
    hs.role = role;
    hs.h.fill(0x5a);
    hs.peer_static_pk = key(peer).public_key();
    sync::SessionStore io;
    io.snapshots = [this](const model::NamespaceId& n) { return snapshot(n); };
    io.ingest = [this](const sync::RbsrEntriesEvent& batch) -> Status {
      const auto t = Clock::now();
      const double cpu = cpu_seconds();
      auto r = store.ingest_batch(batch.entries, store::Trust::kAlreadyVerified, batch.origin);
      ingest_seconds += seconds_since(t);
      ingest_cpu_seconds += cpu_seconds() - cpu;
      ++ingest_calls;
      if (!r) return r.status();
      for (const auto& one : *r) ingested += one.outcome == store::IngestOutcome::kInserted;
      return Status::ok();
    };
    io.payloads = &store;
    session = sync::Session::create(config, hs, key(who).public_key(), std::move(io)).value();
  }

  // As net::SyncApp reads the store: one snapshot until the store changes (one namespace here).
  Result<std::shared_ptr<const store::NamespaceSnapshot>> snapshot(const model::NamespaceId& n) {
    OSIER_ASSIGN_OR_RETURN(const std::uint64_t seq, store.last_sequence());
    if (!cached || cached_sequence != seq) {
      cached.reset();
      OSIER_ASSIGN_OR_RETURN(cached, store.snapshot(n));
      cached_sequence = seq;
    }
    return cached;
  }

  // Runs on_progress and takes output until there is no more.
  Bytes turn() {
    Bytes flight;
    for (;;) {
      if (Status st = session->on_progress(mux); !st) fail(st);
      while (session->poll_event()) {
      }
      Bytes out = mux.take_output();
      if (out.empty()) return flight;
      flight.insert(flight.end(), out.begin(), out.end());
    }
  }

  void receive(ByteView bytes) {
    if (Status st = mux.feed(bytes, [&](ByteView g) { return session->on_global(mux, g); }); !st)
      fail(st);
  }

  [[noreturn]] static void fail(const Status& st) {
    std::fprintf(stderr, "session failed: %s\n", st.to_string().c_str());
    std::exit(1);
  }

  store::Store& store;
  sync::LcmuxSession mux;
  std::unique_ptr<sync::Session> session;
  std::shared_ptr<const store::NamespaceSnapshot> cached;
  std::uint64_t cached_sequence = 0;
  std::size_t ingested = 0;
  double ingest_seconds = 0, ingest_cpu_seconds = 0;  // in Store::ingest_batch
  std::size_t ingest_calls = 0;                       // its calls: one write transaction each
};

struct Outcome {
  std::uint64_t wire_ab = 0, wire_ba = 0, flights = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // of the process (one thread runs by then)
};

Outcome run(Side& a, Side& b) {
  Outcome o;
  int last = -1;
  const auto t = Clock::now();
  const double cpu = cpu_seconds();
  // One delivery: `from`'s turn, all of it fed to `to`; a flight when non-empty.
  auto deliver = [&](Side& from, Side& to, std::uint64_t& wire, int dir) {
    Bytes f = from.turn();
    if (f.empty()) return f;
    to.receive(f);
    wire += f.size();
    o.flights += last != dir;
    last = dir;
    return f;
  };
  for (std::size_t idle_rounds = 0;;) {
    const Bytes fa = deliver(a, b, o.wire_ab, 0);
    const Bytes fb = deliver(b, a, o.wire_ba, 1);
    if (fa.empty() && fb.empty()) {
      if (a.session->idle(a.mux) && b.session->idle(b.mux)) break;
      if (++idle_rounds > 3) {
        std::fprintf(stderr, "no progress and not idle\n");
        std::exit(1);
      }
    } else {
      idle_rounds = 0;
    }
  }
  o.seconds = seconds_since(t);
  o.cpu_seconds = cpu_seconds() - cpu;
  return o;
}

void export_items(const std::string& file, const std::vector<store::AuthorisedEntry>& all,
                  const std::vector<std::size_t>& which) {
  std::ofstream out(file, std::ios::binary);
  for (std::size_t i : which) {
    const std::uint64_t ts = all[i].entry.timestamp;
    const auto id = crypto::william3(model::encode_entry_bytes(all[i].entry));
    out.write(reinterpret_cast<const char*>(&ts), 8);  // little endian on this machine
    out.write(reinterpret_cast<const char*>(id.data()), 32);
  }
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Times the bare signature checks of the tokens against the sync (workload "initial").
void verification_anchor(const std::vector<store::AuthorisedEntry>& all) {
  std::vector<meadowcap::MeadowcapAuthorisationToken> tokens;
  tokens.reserve(all.size());
  for (const auto& e : all) tokens.push_back(store::decode_token_bytes(e.token).value());
  std::size_t ok = 0;
  // Wall and CPU time of one pass over all entries (the machine may be shared: CPU time is the
  // steadier measure).
  auto timed = [&](const char* what, auto&& check) {
    const auto t = Clock::now();
    const double cpu = cpu_seconds();
    for (std::size_t i = 0; i < all.size(); ++i) ok += check(i) ? 1 : 0;
    const double wall = seconds_since(t);
    const double used = cpu_seconds() - cpu;
    const auto n = static_cast<double>(all.size());
    std::printf("anchor: %s of the %zu tokens %.3f s = %.0f /s (CPU %.3f s = %.0f /s)\n", what,
                all.size(), wall, n / wall, used, n / used);
  };
  timed("bare ed25519_verify", [&](std::size_t i) {
    return crypto::ed25519_verify(tokens[i].capability.receiver(),
                                  model::encode_entry_bytes(all[i].entry), tokens[i].signature);
  });
  timed("meadowcap_is_authorised_write", [&](std::size_t i) {
    return meadowcap::meadowcap_is_authorised_write(all[i].entry, tokens[i]);
  });
  meadowcap::VerifiedCapabilities memo;
  timed("the check with VerifiedCapabilities", [&](std::size_t i) {
    return meadowcap::meadowcap_check_authorised_write(all[i].entry, tokens[i], memo).is_ok();
  });
  std::printf("anchor: %zu ok of %zu\n", ok, 3 * all.size());
}

// Tells `perf record --control=fifo:FIFO` to enable or disable sampling (nothing without a FIFO).
void perf_control(const std::string& fifo, const char* command) {
  if (fifo.empty()) return;
  std::ofstream out(fifo);
  out << command << '\n' << std::flush;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return argv[i] + prefix.size();
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = std::stoull(arg(argc, argv, "n", "100000"));
  const std::string workload = arg(argc, argv, "workload", "scattered");
  const bool random_paths = arg(argc, argv, "paths", "random") == "random";
  const std::filesystem::path dir = arg(argc, argv, "dir", "/tmp/osier-sync-bench");
  const std::string export_prefix = arg(argc, argv, "export", "");
  const std::string perf_ctl = arg(argc, argv, "perf-ctl", "");
  rbsr_tuning.split_factor = std::stoull(arg(argc, argv, "split", "8"));
  rbsr_tuning.send_entries_threshold = std::stoull(arg(argc, argv, "threshold", "8"));
  rbsr_tuning.max_open_ranges =
      std::stoull(arg(argc, argv, "max-open", std::to_string(sync::RbsrConfig{}.max_open_ranges)));
  rbsr_tuning.pace_splits = arg(argc, argv, "pace", "1") == "1";
  const bool sync_commits = arg(argc, argv, "sync-commits", "0") == "1";
  const std::size_t ingest_batch =
      std::stoull(arg(argc, argv, "ingest-batch", std::to_string(sync::RbsrConfig{}.ingest_batch)));
  const std::size_t d = n / 100;  // private entries per side

  // Which entries each side holds.
  std::vector<std::size_t> alfie, betty;
  std::size_t total = n;
  std::mt19937_64 rng(14);
  if (workload == "scattered" || workload == "newest") {
    total = n + d;
    std::vector<std::size_t> priv(total);
    std::iota(priv.begin(), priv.end(), 0);
    if (workload == "scattered") {
      std::shuffle(priv.begin(), priv.end(), rng);
    } else {
      priv.erase(priv.begin(), priv.end() - static_cast<std::ptrdiff_t>(2 * d));
      std::shuffle(priv.begin(), priv.end(), rng);
    }
    std::vector<std::uint8_t> owner(total, 0);  // 0 both, 1 Alfie only, 2 Betty only
    for (std::size_t k = 0; k < 2 * d; ++k) owner[priv[k]] = k < d ? 1 : 2;
    for (std::size_t i = 0; i < total; ++i) {
      if (owner[i] != 2) alfie.push_back(i);
      if (owner[i] != 1) betty.push_back(i);
    }
  } else if (workload == "identical" || workload == "initial") {
    alfie.resize(n);
    std::iota(alfie.begin(), alfie.end(), 0);
    if (workload == "identical") betty = alfie;
  } else {
    std::fprintf(stderr, "unknown workload %s\n", workload.c_str());
    return 2;
  }

  auto t = Clock::now();
  const auto all = make_entries(total, random_paths);
  std::fprintf(stderr, "signed %zu entries in %.1f s\n", total, seconds_since(t));

  // What has to move: entries one side lacks.
  std::uint64_t moved = 0, moved_bytes = 0, moved_sig = 0;
  {
    std::vector<std::uint8_t> seen(total, 0);
    for (std::size_t i : alfie) seen[i] |= 1;
    for (std::size_t i : betty) seen[i] |= 2;
    for (std::size_t i = 0; i < total; ++i) {
      if (seen[i] == 3) continue;
      const std::size_t e = model::encode_entry_bytes(all[i].entry).size();
      ++moved;
      moved_bytes += e + all[i].token.size();
      moved_sig += e + 64;
    }
  }

  if (!export_prefix.empty()) {
    export_items(export_prefix + ".alfie", all, alfie);
    export_items(export_prefix + ".betty", all, betty);
  }

  auto sa = open_store(dir / "alfie", sync_commits);
  auto sb = open_store(dir / "betty", sync_commits);
  t = Clock::now();
  fill(*sa, all, alfie);
  fill(*sb, all, betty);
  std::fprintf(stderr, "filled %zu + %zu entries in %.1f s\n", alfie.size(), betty.size(),
               seconds_since(t));

  Side a(*sa, kAlfie, kBetty, sync::HandshakeRole::kInitiator, ingest_batch);
  Side b(*sb, kBetty, kAlfie, sync::HandshakeRole::kResponder, ingest_batch);
  perf_control(perf_ctl, "enable");
  const Outcome o = run(a, b);
  perf_control(perf_ctl, "disable");
  const std::uint64_t wire = o.wire_ab + o.wire_ba;
  const sync::SessionStats sta = a.session->stats();
  const sync::SessionStats stb = b.session->stats();

  std::printf("workload=%s n=%zu paths=%s alfie=%zu betty=%zu ingest_batch=%zu sync_commits=%d\n",
              workload.c_str(), n, random_paths ? "random" : "ordered", alfie.size(), betty.size(),
              ingest_batch, sync_commits ? 1 : 0);
  std::printf("moved entries %" PRIu64 " (ingested new: alfie %zu, betty %zu)\n", moved, a.ingested,
              b.ingested);
  std::printf("wire %" PRIu64 " B (alfie->betty %" PRIu64 ", betty->alfie %" PRIu64 ")\n", wire,
              o.wire_ab, o.wire_ba);
  std::printf("moved_bytes (entry + token) %" PRIu64 " B, overhead %" PRId64 " B\n", moved_bytes,
              static_cast<std::int64_t>(wire) - static_cast<std::int64_t>(moved_bytes));
  std::printf("moved_sig (entry + signature) %" PRIu64 " B, overhead %" PRId64 " B\n", moved_sig,
              static_cast<std::int64_t>(wire) - static_cast<std::int64_t>(moved_sig));
  std::printf("flights %" PRIu64 ", round trips %" PRIu64 " (session stats: alfie %" PRIu64
              ", betty %" PRIu64 ")\n",
              o.flights, (o.flights + 1) / 2, sta.round_trips, stb.round_trips);
  std::printf("messages sent alfie %" PRIu64 ", betty %" PRIu64 "\n", sta.messages_sent,
              stb.messages_sent);
  std::printf("widest open ranges alfie %" PRIu64 ", betty %" PRIu64
              "; fingerprints deferred alfie %" PRIu64 ", betty %" PRIu64 "\n",
              sta.widest_open_ranges, stb.widest_open_ranges, sta.fingerprints_deferred,
              stb.fingerprints_deferred);
  std::printf("fingerprints paced betty %" PRIu64
              "; ranges announced for want of room alfie %" PRIu64 ", betty %" PRIu64 "\n",
              stb.fingerprints_paced, sta.announced_for_room, stb.announced_for_room);
  std::printf("wall %.3f s (CPU %.3f s)", o.seconds, o.cpu_seconds);
  if (moved > 0) std::printf(" = %.0f moved entries/s", static_cast<double>(moved) / o.seconds);
  std::printf(
      "\nstoring received entries (Store::ingest_batch): wall %.3f s (CPU %.3f s) in %zu "
      "write transactions\n",
      a.ingest_seconds + b.ingest_seconds, a.ingest_cpu_seconds + b.ingest_cpu_seconds,
      a.ingest_calls + b.ingest_calls);
  std::printf("peak RSS %ld KiB\n", peak_rss_kib());
  if (a.ingested + b.ingested != moved) {
    std::fprintf(stderr, "expected %" PRIu64 " new entries\n", moved);
    return 1;
  }
  if (workload == "initial") verification_anchor(all);
  return 0;
}
