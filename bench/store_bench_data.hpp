// The synthetic namespace the store benchmarks share: 16 subspaces, paths /d<0..99>/f<i>,
// timestamps spread over 10^6, 96-byte tokens; random 3d ranges over it; LMDB options.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"

namespace osier::bench {

// Entries per namespace: OSIER_BENCH_ENTRIES, default 100,000 (docs/benchmarks.md runs 1M too).
inline std::size_t bench_entries() {
  const char* v = std::getenv("OSIER_BENCH_ENTRIES");
  return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : std::size_t{100000};
}

// "<c><n>" (spelled out because g++ 12 warns falsely on string + to_string).
inline std::string named(char c, std::uint64_t n) {
  std::string s(1, c);
  s += std::to_string(n);
  return s;
}

inline model::NamespaceId namespace_no(std::uint64_t i) {
  model::NamespaceId ns{};
  ns.fill(0x20);
  for (int b = 0; b < 8; ++b)
    ns[31 - static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i >> (8 * b));
  return ns;
}

inline model::SubspaceId subspace_no(std::uint64_t i) {
  model::SubspaceId s{};
  s.fill(0x42);
  s.back() = static_cast<std::uint8_t>(i);
  return s;
}

inline std::vector<store::AuthorisedEntry> make_entries(const model::NamespaceId& ns, std::size_t n,
                                                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<store::AuthorisedEntry> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    store::AuthorisedEntry ae;
    ae.entry.namespace_id = ns;
    ae.entry.subspace_id = subspace_no(rng() % 16);
    ae.entry.path =
        model::Path::from_strings({named('d', rng() % 100), named('f', seed * 100000000 + i)})
            .value();
    ae.entry.timestamp = rng() % 1000000;
    ae.entry.payload_length = rng() % 100000;
    for (int b = 0; b < 8; ++b)
      ae.entry.payload_digest[static_cast<std::size_t>(b)] =
          static_cast<std::uint8_t>((seed * 100000000 + i) >> (8 * b));
    ae.token = Bytes(96, 0x11);  // about the size of a communal capability and signature
    out.push_back(std::move(ae));
  }
  return out;
}

// Random subspaces, and unless !restrict_paths 1-10 of the 100 directories; with restrict_time
// up to a fifth of the time span.
inline model::D3Range random_range(std::mt19937_64& rng, bool restrict_time,
                                   bool restrict_paths = true) {
  model::D3Range r = model::D3Range::full();
  const std::uint64_t s0 = rng() % 16;
  const std::uint64_t s1 = s0 + 1 + rng() % (16 - s0);
  r.subspaces = {subspace_no(s0), subspace_no(s1)};
  const std::uint64_t d0 = rng() % 100;
  const std::uint64_t d1 = d0 + 1 + rng() % 10;
  if (restrict_paths) {
    r.paths = {model::Path::from_strings({named('d', d0)}).value(),
               model::Path::from_strings({named('d', d1)}).value()};
    if (r.paths.end <= r.paths.start) r.paths.end.reset();
  }
  if (restrict_time) {
    const std::uint64_t t0 = rng() % 1000000;
    r.times = {t0, t0 + 1 + rng() % 200000};
  }
  return r;
}

// One subspace, 1-10 of the 100 directories, and the newest 0.5 % of the time span: a narrow
// time window over a wide key interval ("what changed under /d<i> lately").
inline model::D3Range recent_range(std::mt19937_64& rng) {
  model::D3Range r = random_range(rng, false);
  r.subspaces.end = model::subspace_successor(r.subspaces.start);
  r.times = {995000, std::nullopt};
  return r;
}

inline std::string temp_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "osier-bench-XXXXXX").string();
  if (!::mkdtemp(t.data())) std::abort();
  return t;
}

// Where a benchmark keeps the one filled store it queries: a temporary directory, removed with
// everything in it when the benchmark exits; or, with OSIER_BENCH_STORE=DIR, DIR, kept and
// reused by the next run that names it. A store keeps the salt its tree's shape comes from, so
// two binaries compared on one kept store query the same tree (a fresh store's shape moves the
// 1M figures by a third, docs/benchmarks.md).
class BenchStoreDir {
 public:
  BenchStoreDir() {
    const char* keep = std::getenv("OSIER_BENCH_STORE");
    if (keep && *keep) {
      path_ = keep;
      kept_ = true;
      filled_ = std::filesystem::exists(std::filesystem::path(path_) / "data.mdb");
      std::filesystem::create_directories(path_);
    } else {
      path_ = temp_dir();
    }
  }
  ~BenchStoreDir() {
    std::error_code ec;
    if (!kept_) std::filesystem::remove_all(path_, ec);
  }
  BenchStoreDir(const BenchStoreDir&) = delete;
  BenchStoreDir& operator=(const BenchStoreDir&) = delete;

  const std::string& path() const { return path_; }
  // Whether a kept store was found there (filled by an earlier run: do not fill it again).
  bool filled() const { return filled_; }

 private:
  std::string path_;
  bool kept_ = false;
  bool filled_ = false;
};

// Exits with a message unless a kept store (BenchStoreDir::filled) holds the `n` entries this run
// would have filled it with.
inline void require_entries(store::Store& s, const model::NamespaceId& ns, std::size_t n) {
  auto held = s.summarise(ns, model::D3Range::full());
  if (!held || held->count != n) {
    std::fprintf(stderr, "OSIER_BENCH_STORE holds another number of entries\n");
    std::exit(2);
  }
}

inline store::LmdbStoreOptions bench_opts(bool sync) {
  store::LmdbStoreOptions o;
  o.authoriser = store::accept_all_authoriser();
  o.sync_commits = sync;
  o.map_size = std::uint64_t{1} << 36;
  return o;
}

}  // namespace osier::bench
