// An owned namespace for the session tests: one writer, read capabilities for any key, and
// distinct signed entries (no entry prunes another), with made-up or real payloads.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/base/io.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/store/authoriser.hpp"
#include "osier/store/store.hpp"
#include "osier/store/types.hpp"

namespace osier::sync::testing {

inline constexpr std::uint8_t kWriterKey = 1;

inline const meadowcap::McCapability& writer_capability() {
  static const meadowcap::McCapability cap(meadowcap::OwnedCapability::create(
      meadowcap::testing::namespace_key(false), meadowcap::AccessMode::kWrite,
      meadowcap::testing::key(kWriterKey).public_key()));
  return cap;
}
inline model::NamespaceId owned_namespace() { return writer_capability().granted_namespace(); }

// The namespace's whole area, readable by `who`.
inline meadowcap::McCapability owned_read_capability(const meadowcap::UserPublicKey& who) {
  return meadowcap::OwnedCapability::create(meadowcap::testing::namespace_key(false),
                                            meadowcap::AccessMode::kRead, who);
}

// The namespace's whole area, readable by key(who).
inline meadowcap::McCapability read_capability(std::uint8_t who) {
  return owned_read_capability(meadowcap::testing::key(who).public_key());
}

// The namespace's subspace (every byte `subspace`), readable by `who`: delegated by the writer.
inline meadowcap::McCapability owned_subspace_read_capability(const meadowcap::UserPublicKey& who,
                                                              std::uint8_t subspace) {
  model::SubspaceId id{};
  id.fill(subspace);
  return owned_read_capability(meadowcap::testing::key(kWriterKey).public_key())
      .delegate(meadowcap::testing::key(kWriterKey), model::Area::subspace_area(id), who)
      .value();
}

// Entries from..from+n-1: subspace 1 + i % subspaces (every byte that value), path
// "a|b"/"e<i>", timestamps 1000 + i, made-up payloads (length 7 i) that no store holds.
inline std::vector<store::AuthorisedEntry> owned_entries(std::size_t from, std::size_t n,
                                                         std::uint8_t subspaces = 3) {
  std::vector<store::AuthorisedEntry> out;
  for (std::size_t i = from; i < from + n; ++i) {
    model::Entry e;
    e.namespace_id = owned_namespace();
    e.subspace_id.fill(static_cast<std::uint8_t>(1 + i % subspaces));
    e.path = model::Path::from_strings({i % 2 == 0 ? "a" : "b", "e" + std::to_string(i)}).value();
    e.timestamp = 1000 + i;
    e.payload_length = i * 7;
    e.payload_digest.fill(static_cast<std::uint8_t>(i));
    auto s = meadowcap::AuthorisedEntry::sign(e, writer_capability(),
                                              meadowcap::testing::key(kWriterKey))
                 .value();
    out.push_back({s.entry(), store::encode_token_bytes(s.token()).value()});
  }
  return out;
}

// An entry of subspace 1...1 at `path` with the real digest of `payload`, signed by the writer.
inline store::AuthorisedEntry owned_entry_with_payload(std::initializer_list<std::string_view> path,
                                                       ByteView payload, model::Timestamp t) {
  model::Entry e;
  e.namespace_id = owned_namespace();
  e.subspace_id.fill(1);
  e.path = model::Path::from_strings(path).value();
  e.timestamp = t;
  e.payload_length = payload.size();
  e.payload_digest = crypto::william3(payload);
  auto s =
      meadowcap::AuthorisedEntry::sign(e, writer_capability(), meadowcap::testing::key(kWriterKey))
          .value();
  return {s.entry(), store::encode_token_bytes(s.token()).value()};
}

// An entry with its real payload.
struct WithPayload {
  store::AuthorisedEntry entry;
  Bytes payload;
};

// owned_entries(from, n) with real (random) payloads instead of made-up ones, of sizes around
// the Chunk size and the message size: entry i's is kSizes[i % 7] bytes long.
inline std::vector<WithPayload> owned_entries_with_payloads(std::size_t from, std::size_t n) {
  static const std::uint64_t kSizes[] = {1, 1023, 1024, 1025, 5000, 65 * 1024, 300 * 1024};
  std::vector<WithPayload> out;
  std::mt19937_64 rng(from);
  for (std::size_t i = from; i < from + n; ++i) {
    Bytes payload(kSizes[i % std::size(kSizes)]);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    model::Entry e = owned_entries(i, 1)[0].entry;
    e.payload_length = payload.size();
    e.payload_digest = crypto::william3(payload);
    auto signed_entry = meadowcap::AuthorisedEntry::sign(e, writer_capability(),
                                                         meadowcap::testing::key(kWriterKey))
                            .value();
    out.push_back({{signed_entry.entry(), store::encode_token_bytes(signed_entry.token()).value()},
                   std::move(payload)});
  }
  return out;
}

// A local put of `w`'s entry with its whole payload; it must be new to the store.
inline void put_with_payload(store::Store& s, const WithPayload& w) {
  auto r = s.ingest_with_payload(w.entry, memory_source(w.payload));
  ASSERT_TRUE(r && r->outcome == store::IngestOutcome::kInserted);
}

// The payload the store holds for `w`'s entry, if it holds it complete.
inline std::optional<Bytes> held_payload(store::Store& s, const WithPayload& w) {
  const model::Entry& e = w.entry.entry;
  auto got = s.get(e.namespace_id, e.subspace_id, e.path);
  if (!got || !*got || (*got)->available != e.payload_length) return std::nullopt;
  Bytes out;
  const Status st =
      s.read_payload(e.namespace_id, e.subspace_id, e.path, 0, e.payload_length, [&](ByteView b) {
        out.insert(out.end(), b.begin(), b.end());
        return Status::ok();
      });
  if (!st) return std::nullopt;
  return out;
}

}  // namespace osier::sync::testing
