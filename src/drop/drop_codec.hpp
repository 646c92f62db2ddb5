// The byte-level pieces of a drop: the per-entry header (everything up to the payload slices)
// and the per-slice header of slice mode 11.
// spec: drop_format#drop_format_desc (the sl_enc_nested and sl_enc_nested_nested encodings)
#pragma once

#include <cstdint>

#include "osier/base/codec.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/model/entry.hpp"

namespace osier::drop {

// spec: drop_format#slice_mode
enum class SliceMode : std::uint8_t {
  kNone = 0,     // 00: no payload slices
  kFullRaw = 1,  // 01: the whole payload, raw
  kPrefix = 2,   // 10: one slice from chunk 0, as a 64-grouped baseline slice stream
  kSlices = 3,   // 11: a sequence of slices, each with its own header
};

// The drop terminator: entry headers start with the bits 01, slice headers with 1.
inline constexpr std::uint8_t kDropEnd = 0x00;

// The stream options of a drop's payload slices: 64-grouped baseline slice streams.
// spec: drop_format#drop_format_desc, bab#kgrouped_baseline, bab#baseline_slice
crypto::BabStreamOptions drop_slice_options(crypto::BabSlice slice, unsigned left_skip = 0);

// One entry header, decoded: the entry, its token, how its slices follow.
struct EntryHeader {
  model::Entry entry;
  meadowcap::MeadowcapAuthorisationToken token;
  SliceMode mode = SliceMode::kNone;
};

// Encodes an entry header relative to the previous entry and token of the drop.
Status encode_entry_header(Encoder& enc, const EntryHeader& header, const model::Entry& prev_entry,
                           const meadowcap::MeadowcapAuthorisationToken& prev_token);
// Decodes one entry header (the first byte must not be the terminator). Any valid code is
// accepted, canonic or not. kIncomplete when the input ends early.
Result<EntryHeader> decode_entry_header(Decoder& dec, const model::Entry& prev_entry,
                                        const meadowcap::MeadowcapAuthorisationToken& prev_token);

// A slice header of mode 11: the chunk offset from the previous slice's exclusive end (or from
// 0 for the first) and the slice length in chunks.
struct SliceHeader {
  std::uint64_t offset = 0;
  std::uint64_t chunk_count = 0;
};
void encode_slice_header(Encoder& enc, const SliceHeader& header);
Result<SliceHeader> decode_slice_header(Decoder& dec);
// Whether a byte starts a slice header (rather than an entry header or the terminator).
inline bool starts_slice_header(std::uint8_t b) { return (b & 0x80) != 0; }

}  // namespace osier::drop
