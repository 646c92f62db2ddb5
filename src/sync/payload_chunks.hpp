// The Chunks of a transformed Payload: how many a payload has and how many bytes a run of them
// takes, from the payload's length alone. The payload messages' byte lengths follow from these
// (their encodings carry only the number of Chunks).
// spec: confidential_sync#sync_parameters (transform_payload, Chunk),
// willow25#willow25_cs_general (the Bab light stream without the length)
//
// SPEC-NOTES Sync 17, kept here: Chunk i is the labels that precede data chunk i in the light
// stream, then data chunk i (1024 bytes, the last one possibly shorter). A payload of n bytes has
// max(1, ceil(n / 1024)) Chunks (the empty payload: one empty Chunk). The light stream's layout
// (which left labels it keeps) is crypto::bab_light_period's, docs/formats.md.
//
// Pure functions; work O(64^2) per call whatever the numbers; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

namespace osier::sync {

// spec: bab#instantiations_william — chunk_size and label width of WILLIAM3's Bab.
inline constexpr std::uint64_t kPayloadChunkSize = 1024;
inline constexpr std::uint64_t kPayloadLabelWidth = 32;

// max(1, ceil(payload_length / 1024)).
std::uint64_t payload_chunk_count(std::uint64_t payload_length);

// The bytes of Chunks [first, first + count) of a payload of `payload_length` bytes; nullopt if
// the run does not lie within the payload's Chunks or its length exceeds 2^64 - 1. count = 0
// gives 0 for any first.
std::optional<std::uint64_t> payload_chunks_length(std::uint64_t payload_length,
                                                   std::uint64_t first, std::uint64_t count);

}  // namespace osier::sync
