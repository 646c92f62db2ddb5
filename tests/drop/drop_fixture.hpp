// Stores, authorised entries and drops for the drop tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/compact_u64.hpp"
#include "drop/drop_codec.hpp"
#include "osier/base/io.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/drop/drop_reader.hpp"
#include "osier/drop/drop_writer.hpp"
#include "osier/meadowcap/communal_capability.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "store/payload.hpp"
#include "store/payload_receiver.hpp"
#include "support/temp_dir.hpp"

namespace osier::drop::testing {

using osier::testing::TempDir;

struct MemoryFactory {
  std::unique_ptr<store::Store> open() { return std::make_unique<store::MemoryStore>(); }
};

struct LmdbFactory {
  std::unique_ptr<store::Store> open() {
    store::LmdbStoreOptions opts;
    opts.map_size = std::uint64_t{1} << 30;
    opts.sync_commits = false;
    auto s = store::LmdbStore::open(dir.path() + "/store" + std::to_string(generation++), opts);
    EXPECT_TRUE(s) << s.status().to_string();
    return s ? std::move(*s) : nullptr;
  }
  TempDir dir;
  int generation = 0;
};

inline crypto::Ed25519SecretKey user_key(std::uint8_t n) {
  crypto::Ed25519Seed seed{};
  seed[0] = n;
  seed[1] = 0xd7;
  return crypto::Ed25519SecretKey::from_seed(seed);
}

inline Bytes pseudo_random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// Signs an entry of `key`'s subspace of the (communal) default namespace.
inline store::AuthorisedEntry make_entry(const crypto::Ed25519SecretKey& key,
                                         const model::Path& path, model::Timestamp ts,
                                         ByteView payload) {
  model::Entry e;
  e.namespace_id = meadowcap::default_namespace_id();
  e.subspace_id = key.public_key();
  e.path = path;
  e.timestamp = ts;
  e.payload_length = payload.size();
  auto ob = crypto::bab_outboard(payload);
  EXPECT_TRUE(ob);
  e.payload_digest = ob->digest;
  auto cap = meadowcap::CommunalCapability::create(meadowcap::AccessMode::kWrite, e.namespace_id,
                                                   key.public_key());
  auto signed_entry = meadowcap::AuthorisedEntry::sign(e, cap, key);
  EXPECT_TRUE(signed_entry) << signed_entry.status().to_string();
  auto token = store::encode_token_bytes(signed_entry->token());
  EXPECT_TRUE(token);
  return {e, *token};
}

// Ingests the entry and stores the first `held` bytes of its payload (all by default; a partial
// payload holds whole chunks).
inline void put(store::Store& s, const store::AuthorisedEntry& ae, ByteView payload,
                std::optional<std::uint64_t> held = std::nullopt) {
  auto r = s.ingest(ae);
  ASSERT_TRUE(r) << r.status().to_string();
  if (r->outcome != store::IngestOutcome::kInserted) return;  // a newer entry is in its place
  const model::Entry& e = ae.entry;
  if (!held || *held == payload.size()) {
    auto st = s.write_payload(e.namespace_id, e.subspace_id, e.path, memory_source(payload));
    ASSERT_TRUE(st || st.status().code() == ErrorCode::kNotFound) << st.status().to_string();
    return;
  }
  auto ob = crypto::bab_outboard(payload);
  auto stream = crypto::bab_stream(store::continuation_stream(payload.size(), 0), payload, *ob);
  ASSERT_TRUE(stream);
  // Feed the stream only as far as the first `held` bytes need (the rest fails to verify).
  auto receiver = store::PayloadReceiver::start(s, e.namespace_id, e.subspace_id, e.path);
  ASSERT_TRUE(receiver);
  Bytes cut(stream->begin(), stream->end());
  for (std::size_t i = 0; i < cut.size(); i += 512) {
    const std::size_t n = std::min<std::size_t>(512, cut.size() - i);
    auto st = receiver->feed(ByteView(cut.data() + i, n));
    ASSERT_TRUE(st);
    if (st->held >= *held) break;
  }
}

// Everything a store holds, for comparisons: entries with held lengths, and held bytes.
struct Snapshot {
  std::vector<store::LengthyAuthorisedEntry> entries;
  std::vector<Bytes> payloads;
  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot(store::Store& s) {
  Snapshot out;
  auto namespaces = s.namespaces();
  EXPECT_TRUE(namespaces);
  for (const auto& ns : *namespaces) {
    EXPECT_TRUE(
        s.query_area(ns, model::Area::full(), {}, [&](const store::LengthyAuthorisedEntry& e) {
          out.entries.push_back(e);
          return true;
        }));
  }
  for (const auto& e : out.entries) {
    Bytes bytes;
    const model::Entry& en = e.authorised.entry;
    EXPECT_TRUE(
        s.read_payload(en.namespace_id, en.subspace_id, en.path, 0, e.available, append_to(bytes)));
    out.payloads.push_back(std::move(bytes));
  }
  return out;
}

inline Bytes export_all(store::Store& s) {
  Bytes drop;
  model::AreaOfInterest aoi;
  aoi.area = model::Area::full();
  auto st = export_drop(s, meadowcap::default_namespace_id(), aoi, append_to(drop));
  EXPECT_TRUE(st) << st.status().to_string();
  return drop;
}

// Drops by other writers may use slice modes 10 and 11 (osier writes 10 for partial
// payloads); build them by hand: one entry with the given slices (absolute chunk ranges, in
// order), each later slice with the largest left skip the earlier ones allow.
inline Bytes hand_drop(const store::AuthorisedEntry& ae, ByteView payload, SliceMode mode,
                       const std::vector<crypto::BabSlice>& slices) {
  Encoder enc;
  auto token = store::decode_token_bytes(ae.token).value();
  EXPECT_TRUE(encode_entry_header(enc, {ae.entry, token, mode}, meadowcap::willow25_default_entry(),
                                  meadowcap::default_authorisation_token()));
  auto ob = crypto::bab_outboard(payload).value();
  const crypto::BabGeometry geo(payload.size(), 1024);
  std::uint64_t prev_end = 0;
  for (std::size_t j = 0; j < slices.size(); ++j) {
    const crypto::BabSlice& slice = slices[j];
    if (mode == SliceMode::kPrefix) {
      c64_encode_standalone(enc, slice.chunk_count);
    } else {
      encode_slice_header(enc, {slice.first_chunk - prev_end, slice.chunk_count});
    }
    const unsigned skip =
        j == 0 ? 0 : crypto::bab_max_left_skip(geo, 6, prev_end, slice.first_chunk);
    Bytes stream = crypto::bab_stream(drop_slice_options(slice, skip), payload, ob).value();
    enc.bytes(ByteView(stream.data(), stream.size()));
    prev_end = slice.first_chunk + slice.chunk_count;
  }
  enc.byte(0x00);
  return enc.take();
}

inline Result<ImportStats> import_bytes(store::Store& s, ByteView drop) {
  return import_drop(s, memory_source(drop));
}

}  // namespace osier::drop::testing
