// Store scale and concurrency, against issue #11's targets (docs/benchmarks.md "Store: threads,
// scale and memory"): reader threads with and without a writer (and, as the anchor, beside a
// thread writing raw LMDB puts into an environment of its own), LmdbStore ingest against raw
// LMDB puts of the same key and value sizes (the anchor), 10,000 small namespaces, and the
// resident memory of answering fingerprints. OSIER_BENCH_ENTRIES sets the namespace size.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string_view>
#include <thread>

#include "store/lmdb_format.hpp"
#include "store_bench_data.hpp"

namespace {

using namespace osier;
using namespace osier::store;
using namespace osier::bench;
using Clock = std::chrono::steady_clock;

const model::NamespaceId kNs = namespace_no(0);

// One LmdbStore of bench_entries() entries, made once.
struct Shared {
  std::optional<BenchStoreDir> home;  // outlives the store (declared before it)
  std::unique_ptr<LmdbStore> store;
};
Shared& shared() {
  static Shared s;
  if (!s.store) {
    s.home.emplace();
    s.store = std::move(LmdbStore::open(s.home->path(), bench_opts(false)).value());
    if (s.home->filled()) {
      require_entries(*s.store, kNs, bench_entries());
      return s;
    }
    const auto entries = make_entries(kNs, bench_entries(), 1);
    for (std::size_t i = 0; i < entries.size(); i += 1000) {
      const std::size_t n = std::min<std::size_t>(1000, entries.size() - i);
      (void)s.store->ingest_batch(std::span(entries).subspan(i, n), Trust::kAlreadyVerified);
    }
  }
  return s;
}

// What runs beside the readers: nothing, our writer (LmdbStore ingest), or the anchor: a thread
// writing raw LMDB puts of entry records, in transactions of 1,000, into an environment of its
// own, sharing nothing with the store. Not the same work — one record per entry into a fresh
// environment, where our writer changes five records per entry and tree nodes in the store the
// readers read — but the same kinds of cost to them: a busy core, memory traffic, page-cache
// writes. A store whose writer slows readers no more than the anchor does adds nothing of its own.
enum class Beside { kNothing, kWriter, kRawWriter };

// Raw LMDB puts of new entries' records into a fresh environment (in a temporary directory,
// removed after), in transactions of 1,000, until `stop`; returns the puts made.
std::uint64_t raw_puts_until(const std::atomic<bool>& stop, std::uint64_t seed) {
  const std::string dir = temp_dir();
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0 || mdb_env_set_mapsize(env, std::uint64_t{1} << 36) != 0 ||
      mdb_env_open(env, dir.c_str(), MDB_NOSYNC, 0600) != 0) {
    std::abort();
  }
  std::uint64_t n = 0;
  for (std::uint64_t batch = 0; !stop; ++batch) {
    const auto more = make_entries(kNs, 1000, 1000 + seed * 1000 + batch);
    MDB_txn* txn = nullptr;
    MDB_dbi dbi = 0;
    if (mdb_txn_begin(env, nullptr, 0, &txn) != 0 || mdb_dbi_open(txn, nullptr, 0, &dbi) != 0) {
      std::abort();
    }
    for (const auto& ae : more) {
      auto key = lmdb_format::entry_key(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
      Bytes value = lmdb_format::encode_entry_value(ae.entry, ae.token);
      MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
      if (mdb_put(txn, dbi, &k, &v, 0) != 0) std::abort();
    }
    if (mdb_txn_commit(txn) != 0) std::abort();
    n += more.size();
  }
  mdb_env_close(env);
  std::filesystem::remove_all(dir);
  return n;
}

// Summaries of random ranges by `readers` threads for `seconds`, with `beside` running in one more
// thread. Returns (reads/s, entries written/s).
std::pair<double, double> read_while(Store& store, int readers, Beside beside, double seconds,
                                     std::uint64_t seed) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reads{0}, written{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < readers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(t));
      std::uint64_t n = 0;
      while (!stop) {
        benchmark::DoNotOptimize(store.summarise(kNs, random_range(rng, n % 2 == 1)));
        ++n;
      }
      reads += n;
    });
  }
  if (beside == Beside::kRawWriter) {
    threads.emplace_back([&] { written += raw_puts_until(stop, seed); });
  }
  if (beside == Beside::kWriter) {
    threads.emplace_back([&] {
      for (std::uint64_t batch = 0; !stop; ++batch) {
        const auto more = make_entries(kNs, 1000, 1000 + seed * 1000 + batch);
        if (!store.ingest_batch(more, Trust::kAlreadyVerified)) break;
        written += more.size();
      }
    });
  }
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return {static_cast<double>(reads) / s, static_cast<double>(written) / s};
}

void BM_ReadersWithAndWithoutAWriter(benchmark::State& state) {
  Shared& s = shared();
  const int readers = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const auto alone = read_while(*s.store, readers, Beside::kNothing, 3.0, 10);
    const auto with = read_while(*s.store, readers, Beside::kWriter, 3.0, 20);
    const auto anchor = read_while(*s.store, readers, Beside::kRawWriter, 3.0, 30);
    state.counters["reads/s alone"] = alone.first;
    state.counters["reads/s with writer"] = with.first;
    state.counters["ratio"] = with.first / alone.first;
    state.counters["writes/s"] = with.second;
    // The anchor: the same readers beside raw LMDB puts into another environment.
    state.counters["reads/s with raw writer"] = anchor.first;
    state.counters["ratio raw"] = anchor.first / alone.first;
    state.counters["raw puts/s"] = anchor.second;
  }
}

// LmdbStore ingest (tokens pre-verified, batches of 1,000, no fsync) against raw LMDB puts of
// the entries' own keys and values in transactions of 1,000 (the anchor).
void BM_IngestAgainstRawLmdb(benchmark::State& state) {
  const auto entries = make_entries(kNs, bench_entries(), 2);
  for (auto _ : state) {
    const std::string dir = temp_dir();
    auto store = LmdbStore::open(dir + "/store", bench_opts(false)).value();
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < entries.size(); i += 1000) {
      const std::size_t n = std::min<std::size_t>(1000, entries.size() - i);
      (void)store->ingest_batch(std::span(entries).subspan(i, n), Trust::kAlreadyVerified);
    }
    const double ours = static_cast<double>(entries.size()) /
                        std::chrono::duration<double>(Clock::now() - t0).count();
    store.reset();

    MDB_env* env = nullptr;
    mdb_env_create(&env);
    mdb_env_set_mapsize(env, std::uint64_t{1} << 36);
    std::filesystem::create_directories(dir + "/raw");
    if (mdb_env_open(env, (dir + "/raw").c_str(), MDB_NOSYNC, 0600) != 0) std::abort();
    t0 = Clock::now();
    for (std::size_t i = 0; i < entries.size(); i += 1000) {
      MDB_txn* txn = nullptr;
      mdb_txn_begin(env, nullptr, 0, &txn);
      MDB_dbi dbi = 0;
      mdb_dbi_open(txn, nullptr, 0, &dbi);
      for (std::size_t j = i; j < std::min(i + 1000, entries.size()); ++j) {
        const auto& ae = entries[j];
        auto key =
            lmdb_format::entry_key(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
        Bytes value = lmdb_format::encode_entry_value(ae.entry, ae.token);
        MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
        if (mdb_put(txn, dbi, &k, &v, 0) != 0) std::abort();
      }
      if (mdb_txn_commit(txn) != 0) std::abort();
    }
    const double raw = static_cast<double>(entries.size()) /
                       std::chrono::duration<double>(Clock::now() - t0).count();
    mdb_env_close(env);
    std::filesystem::remove_all(dir);
    state.counters["store entries/s"] = ours;
    state.counters["raw LMDB puts/s"] = raw;
    state.counters["ratio"] = ours / raw;
  }
}

// 10,000 namespaces of 10 entries: a fresh open, then a snapshot of every namespace and one
// entry read from each.
void BM_TenThousandNamespaces(benchmark::State& state) {
  const std::string dir = temp_dir();
  std::vector<AuthorisedEntry> firsts;
  {
    auto store = LmdbStore::open(dir, bench_opts(false)).value();
    std::vector<AuthorisedEntry> batch;
    for (std::uint64_t n = 0; n < 10000; ++n) {
      auto ten = make_entries(namespace_no(n + 1), 10, n + 7);
      firsts.push_back(ten.front());
      batch.insert(batch.end(), ten.begin(), ten.end());
      if (batch.size() >= 1000) {
        (void)store->ingest_batch(batch, Trust::kAlreadyVerified);
        batch.clear();
      }
    }
  }
  for (auto _ : state) {
    auto store = LmdbStore::open(dir, bench_opts(false)).value();
    std::size_t found = 0;
    for (const auto& ae : firsts) {
      auto snap = store->snapshot(ae.entry.namespace_id).value();
      auto e = snap->get(ae.entry.subspace_id, ae.entry.path).value();
      found += e.has_value();
    }
    if (found != firsts.size()) state.SkipWithError("an entry is missing");
  }
  std::filesystem::remove_all(dir);
}

// Resident anonymous memory (outside the page cache of the map) of a fresh process — this
// program run again with --rss-child, so nothing of the benchmark's own memory is counted —
// that opens the shared store and answers 20,000 fingerprints of random ranges, half of them
// time-restricted, then prints its RssAnon in KiB.
int rss_child(const char* dir) {
  auto store = LmdbStore::open(dir, bench_opts(false)).value();
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) (void)store->summarise(kNs, random_range(rng, i % 2 == 1));
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0)
      std::printf("%ld\n", std::strtol(line.c_str() + 8, nullptr, 10));
  }
  return 0;
}

void BM_FingerprintResidentMemory(benchmark::State& state) {
  Shared& s = shared();
  for (auto _ : state) {
    const std::string cmd =
        "/proc/" + std::to_string(::getpid()) + "/exe --rss-child " + s.home->path();
    FILE* child = ::popen(cmd.c_str(), "r");
    long kib = -1;
    if (!child || std::fscanf(child, "%ld", &kib) != 1) state.SkipWithError("the child failed");
    if (child) ::pclose(child);
    state.counters["RssAnon MiB"] = static_cast<double>(kib) / 1024.0;
  }
}

BENCHMARK(BM_ReadersWithAndWithoutAWriter)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_IngestAgainstRawLmdb)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_TenThousandNamespaces)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FingerprintResidentMemory)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--rss-child") return rss_child(argv[2]);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
