// Bab verifiable streams: which stream a caller wants, and the producer that writes it from
// a payload and its outboard. The verifier is in bab_verifier.hpp.
// spec: bab#baseline, bab#light, bab#kgrouped, bab#kgrouped_baseline, bab#baseline_slice,
// bab#slice_streaming. Byte layout: docs/formats.md "Bab verifiable streams".
#pragma once

#include <cstdint>
#include <optional>

#include "osier/base/bytes.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_tree.hpp"

namespace osier::crypto {

// A run of chunks: [first_chunk, first_chunk + chunk_count).
struct BabSlice {
  std::uint64_t first_chunk = 0;
  std::uint64_t chunk_count = 0;
};

struct BabStreamOptions {
  // Light (left labels omitted, spec: bab#light) or baseline.
  bool light = false;
  // spec: bab#k — chunks are grouped 2^k at a time; 0 gives the ungrouped streams. Any k >= 64
  // makes the whole payload one group.
  unsigned k = 0;
  // The chunks to stream; nullopt streams the whole payload.
  std::optional<BabSlice> slice;
  // Whole-payload streams start with the payload length as a big-endian u64 unless this is
  // false (Willow's uses strip it). Slice streams never carry a length.
  bool length_prefix = true;
  // spec: bab#left_skip, bab#right_skip — labels the receiver already has.
  unsigned left_skip = 0;
  unsigned right_skip = 0;

  bool has_length_prefix() const { return !slice && length_prefix; }
};

// The layout of the stream `opts` describes over a payload of `length` bytes; fails if the
// slice does not lie within the payload.
Result<BabLayout> bab_layout(const BabStreamOptions& opts, std::uint64_t length,
                             const BabHash& hash = william3_bab());

// Writes the stream to `sink` in pieces of at most 64 KiB, reading the payload and its
// outboard (docs/formats.md "Bab outboard") as it goes; memory use is fixed.
Status bab_produce_stream(const BabStreamOptions& opts, std::uint64_t length,
                          const RandomReader& payload, const RandomReader& outboard,
                          const ByteSink& sink, const BabHash& hash = william3_bab());

// The same for an explicit geometry and layout (tests use it for layouts no option gives).
Status bab_produce_layout(const BabGeometry& geo, const BabLayout& layout, bool length_prefix,
                          const RandomReader& payload, const RandomReader& outboard,
                          const ByteSink& sink);

// The whole stream of an in-memory payload.
Result<Bytes> bab_stream(const BabStreamOptions& opts, ByteView payload,
                         const BabOutboard& outboard, const BabHash& hash = william3_bab());

}  // namespace osier::crypto
