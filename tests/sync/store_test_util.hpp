// Stores for the sync tests: factories for both store kinds (for typed tests), and a
// namespace's entries in (subspace, path) order to compare stores with.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "support/temp_dir.hpp"

namespace osier::sync::testing {

struct MemoryStores {
  std::unique_ptr<store::Store> open() { return std::make_unique<store::MemoryStore>(); }
};

// LMDB stores in one temporary directory (removed with the factory), verifying Meadowcap tokens.
struct LmdbStores {
  std::unique_ptr<store::Store> open() {
    store::LmdbStoreOptions opts;
    opts.authoriser = store::meadowcap_authoriser();
    opts.map_size = std::uint64_t{1} << 30;
    opts.sync_commits = false;
    return store::LmdbStore::open(dir.sub(std::to_string(n++)), opts).value();
  }
  osier::testing::TempDir dir;
  int n = 0;
};

inline std::vector<store::AuthorisedEntry> namespace_contents(store::Store& s,
                                                              const model::NamespaceId& ns) {
  std::vector<store::AuthorisedEntry> out;
  EXPECT_TRUE(s.query(ns, model::D3Range::full(), {}, [&](const store::LengthyAuthorisedEntry& e) {
    out.push_back(e.authorised);
    return true;
  }));
  return out;
}

}  // namespace osier::sync::testing
