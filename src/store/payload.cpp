#include "store/payload.hpp"

#include <string>

#include "crypto/bab_prefix.hpp"

namespace osier::store {

PayloadKey payload_key(const model::Entry& entry) {
  PayloadKey k{};
  std::copy(entry.payload_digest.begin(), entry.payload_digest.end(), k.begin());
  for (int i = 0; i < 8; ++i) {
    k[static_cast<std::size_t>(32 + i)] =
        static_cast<std::uint8_t>(entry.payload_length >> (8 * (7 - i)));
  }
  return k;
}

crypto::BabStreamOptions continuation_stream(std::uint64_t length, std::uint64_t held) {
  crypto::BabStreamOptions opts;
  opts.light = true;
  opts.length_prefix = false;
  if (held > 0) {
    const std::uint64_t chunks = (length + kPayloadChunk - 1) / kPayloadChunk;
    const std::uint64_t first = held / kPayloadChunk;
    opts.slice = crypto::BabSlice{first, chunks - first};
  }
  return opts;
}

Result<PayloadAppender> PayloadAppender::create(const model::PayloadDigest& digest,
                                                std::uint64_t length, std::uint64_t held) {
  if (held >= length || held % kPayloadChunk != 0) {
    return error(ErrorCode::kInvalidArgument, "no payload bytes to append at this offset");
  }
  OSIER_ASSIGN_OR_RETURN(
      crypto::BabVerifier v,
      crypto::BabVerifier::create(digest, continuation_stream(length, held), length));
  auto labels = std::make_unique<crypto::BabLabelCache>();
  v.set_label_observer(labels->observer());
  return PayloadAppender(std::move(v), std::move(labels), length, held);
}

std::optional<std::vector<crypto::BabLabel>> PayloadAppender::frontier() const {
  if (held_ == start_ || held_ == length_) return std::nullopt;
  return labels_->frontier(crypto::BabGeometry(length_, kPayloadChunk), held_ / kPayloadChunk);
}

Status PayloadAppender::feed(ByteView piece, const ByteSink& write) {
  Status write_status;
  auto release = [&](ByteView bytes) {
    if (!write_status) return;
    write_status = write(bytes);
    if (write_status) held_ += bytes.size();
  };
  // The verifier checks chunks in batches and releases nothing of a batch that fails, so feed
  // it in small steps: a mismatch then loses at most one step's worth of good bytes.
  constexpr std::size_t kStep = 16 * 1024;
  for (std::size_t pos = 0; pos < piece.size(); pos += kStep) {
    Status st = verifier_.feed(piece.subspan(pos, std::min(kStep, piece.size() - pos)), release);
    // Only the labels right of the held chunks (and beside their path) can still be of use.
    labels_->prune(crypto::BabGeometry(length_, kPayloadChunk), held_ / kPayloadChunk);
    OSIER_RETURN_IF_ERROR(write_status);
    OSIER_RETURN_IF_ERROR(st);
  }
  if (held_ == length_) {
    OSIER_RETURN_IF_ERROR(write_status);
    return verifier_.finish(release);
  }
  return Status::ok();
}

Status PayloadHasher::finish(const model::Entry& entry) {
  const std::uint64_t n = builder_.length();
  OSIER_ASSIGN_OR_RETURN(crypto::BabLabel digest, builder_.finish());
  if (n != entry.payload_length) {
    return error(ErrorCode::kVerification, "payload has " + std::to_string(n) +
                                               " bytes, the entry says " +
                                               std::to_string(entry.payload_length));
  }
  if (digest != entry.payload_digest) {
    return error(ErrorCode::kVerification, "payload digest differs from the entry's");
  }
  return Status::ok();
}

std::size_t read_buffer_size(std::uint64_t length) {
  constexpr std::size_t kMax = std::size_t{64} << 10;
  return length < kMax ? static_cast<std::size_t>(length) + 1 : kMax;
}

Status copy_payload(const model::Entry& entry, const PayloadSource& source, const ByteSink& data,
                    ByteSink outboard) {
  PayloadHasher hasher(std::move(outboard));
  Bytes buf(read_buffer_size(entry.payload_length));
  std::uint64_t n = 0;
  for (;;) {
    OSIER_ASSIGN_OR_RETURN(const std::size_t got, source(buf));
    if (got == 0) break;
    const ByteView piece(buf.data(), got);
    if (piece.size() > entry.payload_length - n) {
      return error(ErrorCode::kVerification, "payload is longer than the entry says");
    }
    OSIER_RETURN_IF_ERROR(hasher.update(piece));
    OSIER_RETURN_IF_ERROR(data(piece));
    n += piece.size();
  }
  return hasher.finish(entry);
}

Result<std::optional<ByteView>> continuation(const model::Entry& entry,
                                             const model::PayloadDigest& digest, std::uint64_t held,
                                             std::uint64_t offset, ByteView bytes) {
  if (entry.payload_digest != digest) {
    return error(ErrorCode::kNotFound, "the entry no longer has the payload these bytes are of");
  }
  const std::uint64_t length = entry.payload_length;
  if (offset > length || bytes.size() > length - offset) {
    return error(ErrorCode::kInvalidArgument, "payload bytes past the payload's length");
  }
  const std::uint64_t end = offset + bytes.size();
  if (end % kPayloadChunk != 0 && end != length) {
    return error(ErrorCode::kInvalidArgument, "payload bytes must end at a chunk boundary");
  }
  if (offset > held) {
    return error(ErrorCode::kOutOfRange, "payload bytes from " + std::to_string(offset) +
                                             " do not continue the " + std::to_string(held) +
                                             " bytes held");
  }
  if (end <= held) return std::optional<ByteView>();  // another writer got there first
  return std::optional(bytes.subspan(static_cast<std::size_t>(held - offset)));
}

Status check_frontier_shape(std::uint64_t length, std::uint64_t held,
                            std::span<const crypto::BabLabel> frontier) {
  if (frontier.empty()) return Status::ok();
  const crypto::BabGeometry geo(length, kPayloadChunk);
  const std::uint64_t held_chunks = held / kPayloadChunk;
  if (held >= length || held % kPayloadChunk != 0 || held_chunks == 0) {
    return error(ErrorCode::kInvalidArgument,
                 "a frontier is only for a partial payload of whole chunks");
  }
  if (frontier.size() != crypto::bab_frontier(geo, held_chunks).size()) {
    return error(ErrorCode::kInvalidArgument, "a frontier of " + std::to_string(frontier.size()) +
                                                  " labels does not fit a payload holding " +
                                                  std::to_string(held_chunks) + " of " +
                                                  std::to_string(geo.num_chunks()) + " chunks");
  }
  return Status::ok();
}

}  // namespace osier::store
