// Payload plumbing shared by the stores: the key payloads are deduplicated by, and incremental
// verification of a payload's Bab stream against its digest.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/bab_label_cache.hpp"
#include "crypto/bab_verifier.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/types.hpp"

namespace osier::store {

// Payloads are shared by every entry with the same digest and length (a digest fixes the bytes,
// and Bab verification depends on the length too): payload_digest ‖ u64 big-endian length.
using PayloadKey = ByteArray<40>;
PayloadKey payload_key(const model::Entry& entry);

// WILLIAM3's Bab chunk size; a partial payload always holds whole chunks.
inline constexpr std::uint64_t kPayloadChunk = 1024;

// The stream options for the rest of a payload of which `held` bytes are held: the Bab light
// verifiable stream without length indicator (willow25#transform_payload) of the chunks from
// held / 1024 to the end — the whole stream when held is 0.
// Not the bytes Confidential Sync sends "from Chunk k" for held > 0 (SPEC-NOTES Sync 17: the
// suffix of the whole light stream, sync::payload_chunks_stream): this slice stream repeats the
// labels beside the path to its first chunk, so a reader with no state can check it. Drops and
// store::PayloadReceiver use this one (its format is docs/formats.md's); sync uses the other.
crypto::BabStreamOptions continuation_stream(std::uint64_t length, std::uint64_t held);

// Verifies a continuation stream piece by piece and hands on the verified payload bytes.
// A mismatch fails the appender; bytes verified before it were already handed on.
class PayloadAppender {
 public:
  // REQUIRES: held < length, held % kPayloadChunk == 0.
  static Result<PayloadAppender> create(const model::PayloadDigest& digest, std::uint64_t length,
                                        std::uint64_t held);

  // Feeds the next piece of the stream; `write` receives the verified bytes, in order, to be
  // stored after the held ones. Stops at the first failure of either.
  Status feed(ByteView piece, const ByteSink& write);
  std::uint64_t held() const { return held_; }
  bool complete() const { return held_ == length_; }
  // The frontier (crypto/bab_prefix.hpp: the labels of the chunks not held, which a store keeps
  // to serve the held ones as verifiable slices) once some bytes were appended and the payload
  // is still partial; nullopt before, or if the stream did not carry them.
  std::optional<std::vector<crypto::BabLabel>> frontier() const;

 private:
  PayloadAppender(crypto::BabVerifier v, std::unique_ptr<crypto::BabLabelCache> labels,
                  std::uint64_t length, std::uint64_t held)
      : verifier_(std::move(v)),
        labels_(std::move(labels)),
        length_(length),
        start_(held),
        held_(held) {}

  crypto::BabVerifier verifier_;
  // Where the verifier reports verified labels (stable across moves of the appender).
  std::unique_ptr<crypto::BabLabelCache> labels_;
  std::uint64_t length_;
  std::uint64_t start_;
  std::uint64_t held_;
};

// The part of verified payload bytes [offset, offset + bytes.size()) of `entry` that continues
// the `held` bytes a store has (Store::append_verified's rules): nullopt when there is nothing
// new; kNotFound when `digest` is not the entry's, kOutOfRange for a gap, kInvalidArgument for
// bytes past the payload or a new end inside a chunk.
Result<std::optional<ByteView>> continuation(const model::Entry& entry,
                                             const model::PayloadDigest& digest, std::uint64_t held,
                                             std::uint64_t offset, ByteView bytes);

// Whether `frontier` can be the frontier of a payload of `length` bytes of which the first
// `held` are held (Store::append_verified's rules): empty (unknown, or the payload is complete),
// or exactly one label per maximal subtree of the chunks not held (crypto/bab_prefix.hpp).
// kInvalidArgument otherwise: a record with a frontier of another size could never be served or
// checked. Only the count is checked here; the labels' content is the caller's verification.
Status check_frontier_shape(std::uint64_t length, std::uint64_t held,
                            std::span<const crypto::BabLabel> frontier);

// Hashes raw payload bytes as they are written and checks the result against an entry: the
// digest must be the entry's and the byte count its payload_length. The outboard goes to
// `outboard_sink` as it is produced (fixed memory).
class PayloadHasher {
 public:
  explicit PayloadHasher(ByteSink outboard_sink) : builder_(std::move(outboard_sink)) {}
  Status update(ByteView data) { return builder_.update(data); }
  // OK iff the bytes were exactly the entry's payload.
  Status finish(const model::Entry& entry);

 private:
  crypto::BabOutboardBuilder builder_;
};

// The buffer a payload of `length` bytes is read from its source through: 64 KiB, or one byte
// more than the payload when that is less (the extra byte catches a source that is too long).
std::size_t read_buffer_size(std::uint64_t length);

// Reads a local write of a whole payload from `source` to its end: the raw bytes go to `data`
// and their outboard to `outboard` as they come (fixed memory), unverified until the end. OK iff
// the bytes were exactly the entry's payload (else kVerification, at the first byte too many);
// stops at the first failure of the source or a sink. The caller discards what the sinks got
// unless this succeeds.
Status copy_payload(const model::Entry& entry, const PayloadSource& source, const ByteSink& data,
                    ByteSink outboard);

}  // namespace osier::store
