// Store benchmarks on 100k entries, for MemoryStore and LmdbStore: ingest rate, point lookups,
// area queries, fingerprints of random 3d ranges (with and without a time restriction), splits,
// and (LMDB) loading a namespace's index on first use. Results: docs/benchmarks.md "## Store".
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "store_bench_data.hpp"

namespace {

using namespace osier;
using namespace osier::store;
using namespace osier::bench;

const std::size_t kEntries = bench_entries();

model::NamespaceId the_ns() { return namespace_no(0); }

std::vector<AuthorisedEntry> make_entries(std::size_t n, std::uint64_t seed) {
  return bench::make_entries(the_ns(), n, seed);
}

struct Loaded {
  std::optional<BenchStoreDir> home;  // LMDB only; outlives the store (declared before it)
  std::unique_ptr<Store> store;
  std::vector<AuthorisedEntry> entries;
};

Loaded& loaded(bool lmdb) {
  static Loaded mem, disk;
  Loaded& l = lmdb ? disk : mem;
  if (!l.store) {
    l.entries = make_entries(kEntries, 1);
    bool filled = false;
    if (lmdb) {
      l.home.emplace();
      filled = l.home->filled();
      l.store = std::move(LmdbStore::open(l.home->path(), bench_opts(false)).value());
      if (filled) require_entries(*l.store, the_ns(), kEntries);
    } else {
      l.store = std::make_unique<MemoryStore>(accept_all_authoriser());
    }
    for (std::size_t i = 0; !filled && i < l.entries.size(); i += 1000) {
      const std::size_t n = std::min<std::size_t>(1000, l.entries.size() - i);
      (void)l.store->ingest_batch(std::span(l.entries).subspan(i, n), Trust::kAlreadyVerified);
    }
  }
  return l;
}

void BM_Ingest(benchmark::State& state, bool lmdb, bool sync) {
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  const auto entries = make_entries(kEntries, 2);
  std::size_t done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir;
    std::unique_ptr<Store> s;
    if (lmdb) {
      dir = temp_dir();
      s = std::move(LmdbStore::open(dir, bench_opts(sync)).value());
    } else {
      s = std::make_unique<MemoryStore>(accept_all_authoriser());
    }
    // Synced single-entry commits are slow: ingest fewer of them.
    const std::size_t n = sync && batch == 1 ? 2000 : entries.size();
    state.ResumeTiming();
    for (std::size_t i = 0; i < n; i += batch) {
      const std::size_t m = std::min(batch, n - i);
      benchmark::DoNotOptimize(
          s->ingest_batch(std::span(entries).subspan(i, m), Trust::kAlreadyVerified));
    }
    done += n;
    state.PauseTiming();
    s.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(done));
}

void BM_Get(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    const auto& e = l.entries[rng() % l.entries.size()].entry;
    benchmark::DoNotOptimize(l.store->get(e.namespace_id, e.subspace_id, e.path));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AreaQuery(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(4);
  std::uint64_t results = 0;
  for (auto _ : state) {
    model::Area a = model::Area::full();
    a.subspace = subspace_no(rng() % 16);
    a.path = model::Path::from_strings({named('d', rng() % 100)}).value();
    QueryOptions o;
    o.limit = static_cast<std::uint64_t>(state.range(0));
    (void)l.store->query_area(the_ns(), a, o, [&](const LengthyAuthorisedEntry&) {
      ++results;
      return true;
    });
  }
  state.counters["results/query"] =
      static_cast<double>(results) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(results));
}

void BM_NewestInArea(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(5);
  for (auto _ : state) {
    model::AreaOfInterest aoi;
    aoi.area = model::Area::subspace_area(subspace_no(rng() % 16));
    aoi.max_count = 100;
    (void)l.store->query_aoi(the_ns(), aoi, [](const LengthyAuthorisedEntry&) { return true; });
  }
}

// from_snapshot: what reconciliation asks for, random ranges' fingerprints from one snapshot (one
// read transaction, whose tree remembers where its upper nodes lie); else a read transaction
// each.
void BM_Fingerprint(benchmark::State& state, bool lmdb, bool restrict_time,
                    bool restrict_paths = true, bool from_snapshot = false) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(6);
  const auto snap = from_snapshot ? l.store->snapshot(the_ns()).value() : nullptr;
  std::uint64_t counted = 0;
  for (auto _ : state) {
    const model::D3Range range = random_range(rng, restrict_time, restrict_paths);
    auto s = snap ? snap->summarise(range) : l.store->summarise(the_ns(), range);
    counted += s->count;
  }
  state.counters["entries/range"] =
      static_cast<double>(counted) / static_cast<double>(state.iterations());
}

// What a session asks of each entry it receives (most of which it holds, when they answer a
// fingerprint): whether it holds exactly that entry and token.
void BM_HoldsExactly(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(8);
  const auto snap = l.store->snapshot(the_ns()).value();
  std::uint64_t held = 0;
  for (auto _ : state) {
    const AuthorisedEntry& ae = l.entries[rng() % l.entries.size()];
    held += snap->holds_exactly(ae.entry, ae.token).value() ? 1 : 0;
  }
  state.counters["held"] = static_cast<double>(held) / static_cast<double>(state.iterations());
}

void BM_FingerprintRecent(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(6);
  std::uint64_t counted = 0;
  for (auto _ : state) {
    auto s = l.store->summarise(the_ns(), recent_range(rng));
    counted += s->count;
  }
  state.counters["entries/range"] =
      static_cast<double>(counted) / static_cast<double>(state.iterations());
}

void BM_FingerprintFull(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  for (auto _ : state)
    benchmark::DoNotOptimize(l.store->summarise(the_ns(), model::D3Range::full()));
}

void BM_Split(benchmark::State& state, bool lmdb) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(l.store->split(the_ns(), random_range(rng, false),
                                            static_cast<std::size_t>(state.range(0))));
  }
}

// What reconciliation asks for: the parts of a split with their summaries, from one snapshot.
// `shape`: a random range (paths restricted, ~5 subspaces), one subspace of it, or one subspace
// and all paths (a sync's ranges below its first splits, cut by time).
enum class SplitShape { kRandom, kOneSubspace, kOneSubspaceAllPaths };
void BM_SplitSummarised(benchmark::State& state, bool lmdb, SplitShape shape) {
  Loaded& l = loaded(lmdb);
  std::mt19937_64 rng(7);
  const auto snap = l.store->snapshot(the_ns()).value();
  for (auto _ : state) {
    model::D3Range r = random_range(rng, false, shape != SplitShape::kOneSubspaceAllPaths);
    if (shape != SplitShape::kRandom)
      r.subspaces.end = model::subspace_successor(r.subspaces.start);
    benchmark::DoNotOptimize(snap->split(r, static_cast<std::size_t>(state.range(0))));
  }
}

void BM_LmdbOpenAndLoadIndex(benchmark::State& state) {
  Loaded& l = loaded(true);
  // Measure: reopen the loaded store's directory in a second handle and summarise once.
  for (auto _ : state) {
    auto s = LmdbStore::open(l.home->path(), bench_opts(false)).value();
    benchmark::DoNotOptimize(s->summarise(the_ns(), model::D3Range::full()));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kEntries));
}

}  // namespace

BENCHMARK_CAPTURE(BM_Ingest, memory_batch1000, false, false)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK_CAPTURE(BM_Ingest, lmdb_nosync_batch1000, true, false)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK_CAPTURE(BM_Ingest, lmdb_sync_batch1000, true, true)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK_CAPTURE(BM_Ingest, lmdb_sync_batch1, true, true)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Get, memory, false);
BENCHMARK_CAPTURE(BM_Get, lmdb, true);
BENCHMARK_CAPTURE(BM_AreaQuery, memory_limit100, false)->Arg(100);
BENCHMARK_CAPTURE(BM_AreaQuery, lmdb_limit100, true)->Arg(100);
BENCHMARK_CAPTURE(BM_NewestInArea, memory_newest100, false);
BENCHMARK_CAPTURE(BM_NewestInArea, lmdb_newest100, true);
BENCHMARK_CAPTURE(BM_Fingerprint, memory_random_range, false, false);
BENCHMARK_CAPTURE(BM_Fingerprint, lmdb_random_range, true, false);
BENCHMARK_CAPTURE(BM_HoldsExactly, memory, false);
BENCHMARK_CAPTURE(BM_HoldsExactly, lmdb, true);
BENCHMARK_CAPTURE(BM_Fingerprint, memory_random_range_snapshot, false, false, true, true);
BENCHMARK_CAPTURE(BM_Fingerprint, lmdb_random_range_snapshot, true, false, true, true);
BENCHMARK_CAPTURE(BM_Fingerprint, memory_random_range_and_time, false, true);
BENCHMARK_CAPTURE(BM_Fingerprint, lmdb_random_range_and_time, true, true);
// Subspaces and times restricted, all paths: what a time-restricted area and reconciliation's
// time-ordered splits of it ask for.
BENCHMARK_CAPTURE(BM_Fingerprint, memory_subspaces_and_time, false, true, false);
BENCHMARK_CAPTURE(BM_Fingerprint, lmdb_subspaces_and_time, true, true, false);
BENCHMARK_CAPTURE(BM_FingerprintRecent, memory_one_subspace_newest, false);
BENCHMARK_CAPTURE(BM_FingerprintRecent, lmdb_one_subspace_newest, true);
BENCHMARK_CAPTURE(BM_FingerprintFull, memory, false);
BENCHMARK_CAPTURE(BM_Split, memory_k8, false)->Arg(8);
BENCHMARK_CAPTURE(BM_Split, lmdb_k8, true)->Arg(8);
BENCHMARK_CAPTURE(BM_SplitSummarised, memory_k8, false, SplitShape::kRandom)->Arg(8);
BENCHMARK_CAPTURE(BM_SplitSummarised, lmdb_k8, true, SplitShape::kRandom)->Arg(8);
BENCHMARK_CAPTURE(BM_SplitSummarised, lmdb_one_subspace_k8, true, SplitShape::kOneSubspace)->Arg(8);
BENCHMARK_CAPTURE(BM_SplitSummarised, lmdb_one_subspace_all_paths_k8, true,
                  SplitShape::kOneSubspaceAllPaths)
    ->Arg(8);
BENCHMARK(BM_LmdbOpenAndLoadIndex)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
