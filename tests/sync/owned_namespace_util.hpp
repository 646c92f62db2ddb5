// An owned namespace for the session tests: one writer, read capabilities for any key, and
// distinct signed entries (no entry prunes another).
#pragma once

#include <string>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/store/authoriser.hpp"
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

}  // namespace osier::sync::testing
