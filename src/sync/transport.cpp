#include "sync/transport.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

namespace osier::sync {

namespace {

constexpr std::uint64_t kLastNonce = std::numeric_limits<std::uint64_t>::max();

}  // namespace

// SPEC-NOTES Sync item 2: nonces 0 .. 2^64 - 1, each once; none past the last.
Result<std::uint64_t> TransportNonce::take(std::uint64_t count) {
  if (exhausted_ || count == 0 || count - 1 > kLastNonce - next_) {
    return error(ErrorCode::kOutOfRange, "transport nonce counter exhausted (2^64 nonces used)");
  }
  const std::uint64_t first = next_;
  const std::uint64_t last = next_ + (count - 1);
  if (last == kLastNonce) {
    exhausted_ = true;
    next_ = 0;
  } else {
    next_ = last + 1;
  }
  return first;
}

Status TransportWriter::check_open() const {
  if (failed_) return error(ErrorCode::kOutOfRange, "transport writer failed earlier");
  if (ended_) return error(ErrorCode::kInvalidArgument, "transport stream already ended");
  return Status::ok();
}

Status TransportWriter::write(ByteView data, Bytes& out) {
  // One allocation for all the chunks (growing `out` chunk by chunk copied it again and again).
  const std::size_t chunks = (data.size() + kMaxChunkLength - 1) / kMaxChunkLength;
  out.reserve(out.size() + data.size() + chunks * (kEncryptedLengthBytes + crypto::kAeadTagLength));
  for (std::size_t pos = 0; pos < data.size(); pos += kMaxChunkLength) {
    OSIER_RETURN_IF_ERROR(
        write_chunk(data.subspan(pos, std::min(kMaxChunkLength, data.size() - pos)), out));
  }
  return check_open();
}

// spec: handshake_and_encryption#transport_encryption (sending a chunk)
Status TransportWriter::write_chunk(ByteView chunk, Bytes& out) {
  OSIER_RETURN_IF_ERROR(check_open());
  if (chunk.empty() || chunk.size() > kMaxChunkLength) {
    return error(ErrorCode::kInvalidArgument, "transport chunk must have 1 to 4096 bytes");
  }
  auto nonce = nonce_.take(2);
  if (!nonce.is_ok()) {
    failed_ = true;
    return nonce.status();
  }
  const std::uint8_t be_chunklen[kChunkLengthBytes] = {static_cast<std::uint8_t>(chunk.size() >> 8),
                                                       static_cast<std::uint8_t>(chunk.size())};
  const std::size_t at = out.size();
  out.resize(at + kEncryptedLengthBytes + chunk.size() + crypto::kAeadTagLength);
  MutableByteView dst(out.data() + at, out.size() - at);
  crypto::aead_encrypt(key_, *nonce, {}, be_chunklen, dst.first(kEncryptedLengthBytes));
  crypto::aead_encrypt(key_, *nonce + 1, {}, chunk, dst.subspan(kEncryptedLengthBytes));
  return Status::ok();
}

// spec: handshake_and_encryption#transport_encryption ("signal the end of all transmissions")
Status TransportWriter::write_end(Bytes& out) {
  OSIER_RETURN_IF_ERROR(check_open());
  auto nonce = nonce_.take(1);
  if (!nonce.is_ok()) {
    failed_ = true;
    return nonce.status();
  }
  static constexpr std::uint8_t kEnd[kChunkLengthBytes] = {0, 0};
  const std::size_t at = out.size();
  out.resize(at + kEncryptedLengthBytes);
  crypto::aead_encrypt(key_, *nonce, {}, kEnd,
                       MutableByteView(out.data() + at, kEncryptedLengthBytes));
  ended_ = true;
  return Status::ok();
}

TransportReader::TransportReader(const crypto::AeadKey& receiving_key, std::uint64_t first_nonce)
    : key_(receiving_key), nonce_(first_nonce), buf_(kMaxChunkLength + crypto::kAeadTagLength) {}

std::size_t TransportReader::frame_length() const {
  return state_ == State::kLength ? kEncryptedLengthBytes : chunk_length_ + crypto::kAeadTagLength;
}

Status TransportReader::feed(ByteView in, const Deliver& deliver) {
  if (state_ == State::kFailed)
    return error(ErrorCode::kInvalidEncoding, "transport reader failed earlier");
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (state_ == State::kEnded) {
      return fail(error(ErrorCode::kInvalidEncoding, "transport data after the end marker"));
    }
    const std::size_t need = frame_length();
    if (buf_len_ == 0 && in.size() - pos >= need) {
      // The whole frame is in the input: decrypt it from there, without gathering it.
      OSIER_RETURN_IF_ERROR(on_frame(in.subspan(pos, need), deliver));
      pos += need;
      continue;
    }
    const std::size_t take = std::min(need - buf_len_, in.size() - pos);
    std::memcpy(buf_.data() + buf_len_, in.data() + pos, take);
    buf_len_ += take;
    pos += take;
    if (buf_len_ == need) {
      buf_len_ = 0;
      OSIER_RETURN_IF_ERROR(on_frame(ByteView(buf_.data(), need), deliver));
    }
  }
  return Status::ok();
}

Status TransportReader::on_frame(ByteView cipher, const Deliver& deliver) {
  auto nonce = nonce_.take(1);
  if (!nonce.is_ok()) return fail(nonce.status());
  const std::size_t plain_len = cipher.size() - crypto::kAeadTagLength;
  // Decrypts in place when `cipher` is buf_ (libsodium allows exact overlap).
  MutableByteView plain(buf_.data(), plain_len);
  Status st = crypto::aead_decrypt(key_, *nonce, {}, cipher, plain);
  if (!st.is_ok()) {
    return fail(
        error(ErrorCode::kVerification,
              state_ == State::kLength
                  ? "transport chunk length does not decrypt (altered, reordered or replayed)"
                  : "transport chunk does not decrypt (altered, reordered or replayed)"));
  }
  if (state_ == State::kLength) {
    return on_length(static_cast<std::uint16_t>((plain[0] << 8) | plain[1]));
  }
  state_ = State::kLength;
  delivered_ += plain_len;
  deliver(ByteView(plain.data(), plain_len));
  return Status::ok();
}

// The receiver rules of SPEC-NOTES Sync item 5, in one place.
Status TransportReader::on_length(std::uint16_t length) {
  if (length == 0) {
    state_ = State::kEnded;
    return Status::ok();
  }
  if (length > kMaxChunkLength) {
    return fail(error(ErrorCode::kOutOfRange,
                      "transport chunk length " + std::to_string(length) + " exceeds 4096"));
  }
  chunk_length_ = length;
  state_ = State::kChunk;
  return Status::ok();
}

Status TransportReader::finish() {
  if (state_ == State::kEnded) return Status::ok();
  if (state_ == State::kFailed)
    return error(ErrorCode::kInvalidEncoding, "transport reader failed earlier");
  return fail(error(ErrorCode::kIncomplete, "connection closed without the transport end marker"));
}

Status TransportReader::fail(Status st) {
  state_ = State::kFailed;
  buf_len_ = 0;
  return st;
}

}  // namespace osier::sync
