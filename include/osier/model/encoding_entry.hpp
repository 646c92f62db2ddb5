// Entry encodings: EncodeEntry, EncodeEntryRelativeEntry, EncodeEntryInNamespace3dRange.
// spec: encodings#enc_entry
//
// Willow'25 encodes namespace ids, subspace ids and payload digests as their 32 raw bytes
// (spec: willow25#willow25_drop_format).
#pragma once

#include "osier/base/codec.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/range.hpp"

namespace osier::model {

// spec: encodings#encsec_EncodeEntry (canonic: encode_entry)
void encode_entry(Encoder& enc, const Entry& entry);
Result<Entry> decode_entry(Decoder& dec, DecodeMode mode);
// The canonic code as a byte string (what authorisation signatures sign).
Bytes encode_entry_bytes(const Entry& entry);

// spec: encodings#encsec_EncodeEntryRelativeEntry — any entry relative to any entry. The relation
// has no canonic subset; the encoder writes the shortest code (SPEC-NOTES).
Status encode_entry_relative_entry(Encoder& enc, const Entry& entry, const Entry& reference);
Result<Entry> decode_entry_relative_entry(Decoder& dec, const Entry& reference);

// The reference of EncodeEntryInNamespace3dRange: a 3d range including the entry, and the
// entry's namespace.
struct EntryInNamespace3dRangeReference {
  NamespaceId namespace_id{};
  D3Range range;
};

// spec: encodings#encsec_EncodeEntryInNamespace3dRange — no canonic subset; the encoder writes
// the shortest code, preferring the option relative to a range's start on ties (SPEC-NOTES).
// Fails with kInvalidArgument when the entry is in another namespace or outside the range.
Status encode_entry_in_namespace_3d_range(Encoder& enc, const Entry& entry,
                                          const EntryInNamespace3dRangeReference& reference);
Result<Entry> decode_entry_in_namespace_3d_range(Decoder& dec,
                                                 const EntryInNamespace3dRangeReference& reference);

}  // namespace osier::model
