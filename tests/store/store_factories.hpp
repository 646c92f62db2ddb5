// How the conformance suite opens each Store implementation.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/authoriser.hpp"
#include "osier/store/store.hpp"
#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "store/payload_receiver.hpp"
#include "support/temp_dir.hpp"

namespace osier::store::testing {

// Accepts every token except those starting with 0xff.
class TestAuthoriser final : public WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView token) const override {
    if (!token.empty() && token[0] == 0xff) {
      return error(ErrorCode::kVerification, "test authoriser refuses this token");
    }
    return Status::ok();
  }
};

// Deterministic pseudo-random bytes.
inline Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// The namespace the payload and multi-process tests write to.
inline model::NamespaceId test_namespace() {
  model::NamespaceId ns{};
  ns.fill(0x30);
  return ns;
}

// An entry of test_namespace() at `path` (subspace 0x42…) with `payload`, accepted by
// test_authoriser().
inline AuthorisedEntry entry_at(std::initializer_list<std::string_view> path, const Bytes& payload,
                                model::Timestamp t) {
  AuthorisedEntry ae;
  ae.entry.namespace_id = test_namespace();
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings(path).value();
  ae.entry.timestamp = t;
  ae.entry.payload_length = payload.size();
  ae.entry.payload_digest = crypto::william3(payload);
  ae.token = {7};
  return ae;
}

inline std::shared_ptr<const WriteAuthoriser> test_authoriser() {
  static const auto a = std::make_shared<const TestAuthoriser>();
  return a;
}

struct MemoryFactory {
  static constexpr bool kDurable = false;
  std::unique_ptr<Store> open() { return std::make_unique<MemoryStore>(test_authoriser()); }
  void wipe() {}
};

using osier::testing::TempDir;

struct LmdbFactory {
  static constexpr bool kDurable = true;
  std::unique_ptr<Store> open() {
    LmdbStoreOptions opts;
    opts.authoriser = test_authoriser();
    opts.map_size = std::uint64_t{1} << 30;
    opts.sync_commits = false;  // a process crash loses nothing committed either way
    auto s = LmdbStore::open(dir.sub("store" + std::to_string(generation)), opts);
    EXPECT_TRUE(s) << s.status().to_string();
    return s ? std::move(*s) : nullptr;
  }
  void wipe() { ++generation; }
  TempDir dir;
  int generation = 0;
};

using StoreFactories = ::testing::Types<MemoryFactory, LmdbFactory>;

// Feeds continuation-stream pieces (store/payload.hpp) to entries of a store, through one
// PayloadReceiver per entry kept across calls — one transfer — and started anew after a
// failure or once the payload is complete (as a receiver of retried transfers would).
class StreamFeeder {
 public:
  Result<PayloadState> feed(Store& store, const model::Entry& e, ByteView piece) {
    const Key key{e.namespace_id, e.subspace_id, e.path};
    auto it = receivers_.find(key);
    if (it == receivers_.end()) {
      OSIER_ASSIGN_OR_RETURN(PayloadReceiver r,
                             PayloadReceiver::start(store, e.namespace_id, e.subspace_id, e.path));
      it = receivers_.emplace(key, std::move(r)).first;
    }
    auto r = it->second.feed(piece);
    if (!r || it->second.complete()) receivers_.erase(it);
    return r;
  }
  // The transfers end (a restart).
  void clear() { receivers_.clear(); }

 private:
  using Key = std::tuple<model::NamespaceId, model::SubspaceId, model::Path>;
  std::map<Key, PayloadReceiver> receivers_;
};

// The whole payload of the stored entry `e`, served by the store as a Bab stream and verified
// against the digest on the way (failures are test failures).
inline Bytes served_payload(Store& store, const model::Entry& e) {
  crypto::BabStreamOptions opts;
  Bytes stream;
  EXPECT_TRUE(store.serve_payload(e.namespace_id, e.subspace_id, e.path, opts, append_to(stream)));
  auto v = crypto::BabVerifier::create(e.payload_digest, opts, e.payload_length);
  if (!v) {
    ADD_FAILURE() << v.status().to_string();
    return {};
  }
  Bytes got;
  EXPECT_TRUE(v->feed(stream, [&](ByteView b) { osier::append(got, b); }));
  EXPECT_TRUE(v->finish([&](ByteView b) { osier::append(got, b); }));
  return got;
}

// The base of the typed suites: a store from `Factory`, reopened on demand.
template <typename Factory>
class StoreFixture : public ::testing::Test {
 public:
  void SetUp() override { store_ = factory_.open(); }
  // Closes and reopens a durable store; an ephemeral one stays as it is.
  // Ongoing payload transfers end either way.
  void reopen() {
    feeder_.clear();
    if (!Factory::kDurable) return;
    store_.reset();
    store_ = factory_.open();
  }
  Store& store() { return *store_; }
  // Feeds a piece of a continuation stream for `e` (StreamFeeder).
  Result<PayloadState> feed_stream(const model::Entry& e, ByteView piece) {
    return feeder_.feed(*store_, e, piece);
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
  StreamFeeder feeder_;
};

}  // namespace osier::store::testing
