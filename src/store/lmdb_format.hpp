// The records of the LMDB store format, version 1 (docs/formats.md "Store (LMDB)").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/types.hpp"

namespace osier::store::lmdb_format {

inline constexpr std::size_t kEntryKeySize = 96;
inline constexpr std::size_t kPayloadKeySize = 40;

// namespace_id ‖ subspace_id ‖ WILLIAM3(encode_path(path)). Paths may be longer than LMDB's
// key limit, so the key holds the path's digest; order comes from the in-memory index.
ByteArray<kEntryKeySize> entry_key(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                   const model::Path& path);
// u32 big-endian length of the entry code ‖ encode_entry(entry) ‖ token bytes.
Bytes encode_entry_value(const model::Entry& entry, ByteView token);
// Fails with kCorrupt unless the value is well formed (canonic entry code).
Result<AuthorisedEntry> decode_entry_value(ByteView value);

// What the store knows about one payload (shared by all entries with its digest and length).
struct PayloadRecord {
  std::uint64_t refcount = 0;  // entries referencing it
  std::uint64_t held = 0;      // verified leading bytes stored
  bool in_file = false;        // bytes live in a file beside the environment, not inline
  // For a partial payload: the labels of the maximal subtrees of the chunks not held
  // (crypto/bab_prefix.hpp), so its held chunks can be served as verifiable slices. Empty when
  // unknown (then they cannot be) and for complete payloads.
  std::vector<crypto::BabLabel> frontier;
  Bytes inline_bytes;  // the held bytes when !in_file
};
// u64 refcount ‖ u64 held ‖ u8 flags (bit 0: in a file; bit 1: with a frontier, format 2 on)
// ‖ [u8 n ‖ n frontier labels] ‖ inline bytes. kInvalidArgument for a frontier of more than
// kMaxFrontierLabels labels (the decoder's bound): never a record that cannot be read back.
constexpr std::size_t kMaxFrontierLabels = 64;  // one per level of a tree of at most 2^64 chunks
Result<Bytes> encode_payload_record(const PayloadRecord& r);
Result<PayloadRecord> decode_payload_record(ByteView value);

}  // namespace osier::store::lmdb_format
