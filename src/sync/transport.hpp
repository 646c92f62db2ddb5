// Transport encryption after the handshake (sans-IO): a writer that turns bytes into
// encrypted chunks, and a reader that turns the peer's encrypted stream back into bytes.
// spec: handshake_and_encryption#transport_encryption
//
// On the wire, a chunk of 1..kMaxChunkLength bytes is
//   hs_encrypt(key, n, "", be_chunklen)   (2 + 16 bytes, be_chunklen: the length, big-endian)
//   hs_encrypt(key, n + 1, "", chunk)     (length + 16 bytes)
// and the end of the stream is hs_encrypt(key, n, "", 0x0000). Each direction has its own key
// (HandshakeResult::sending_key / receiving_key) and its own nonce counter starting at 0
// (SPEC-NOTES Sync item 5); nonces are laid out by crypto::aead_nonce (item 2).
//
// Reader rules (SPEC-NOTES Sync item 5, in TransportReader::on_length): a decrypted length of 0
// is the clean end; a length over kMaxChunkLength, a tag that does not verify (so also a
// reordered, replayed or altered chunk), bytes after the end, or EOF (finish()) before the end
// are errors. Errors are sticky: after one, the reader or writer refuses everything.
//
// Memory: the reader holds one fixed buffer of kMaxChunkLength + tag bytes, allocated once at
// construction, whatever lengths the peer declares; the writer holds nothing but its key and
// counter. Neither is thread-safe; each belongs to one direction of one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "crypto/aead.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier::sync {

// spec: handshake_and_encryption#transport_encryption ("at least one and at most 4096")
inline constexpr std::size_t kMaxChunkLength = 4096;
inline constexpr std::size_t kChunkLengthBytes = 2;  // be_chunklen
inline constexpr std::size_t kEncryptedLengthBytes = kChunkLengthBytes + crypto::kAeadTagLength;
// The most bytes one chunk takes on the wire.
inline constexpr std::size_t kMaxEncryptedChunkBytes =
    kEncryptedLengthBytes + kMaxChunkLength + crypto::kAeadTagLength;

// A direction's 64-bit nonce counter (spec: sending_nonce / receiving_nonce). Every nonce from
// 0 to 2^64 - 1 is used once; asking for one past 2^64 - 1 is an error (SPEC-NOTES Sync item 2:
// "sending past 2^64 - 1 is an error"), and the counter stays exhausted.
class TransportNonce {
 public:
  // `first` is 0 on every connection (SPEC-NOTES Sync item 5); tests start near the end.
  explicit TransportNonce(std::uint64_t first = 0) : next_(first) {}
  // Reserves `count` (>= 1) consecutive nonces and returns the first, or fails without
  // reserving any if they do not all exist.
  Result<std::uint64_t> take(std::uint64_t count);
  bool exhausted() const { return exhausted_; }

 private:
  std::uint64_t next_;
  bool exhausted_ = false;  // 2^64 - 1 was used: next_ wrapped to 0
};

class TransportWriter {
 public:
  explicit TransportWriter(const crypto::AeadKey& sending_key, std::uint64_t first_nonce = 0)
      : key_(sending_key), nonce_(first_nonce) {}

  // Appends `data` to `out` as encrypted chunks of kMaxChunkLength bytes (the last one
  // shorter). Empty data appends nothing.
  Status write(ByteView data, Bytes& out);
  // Appends one chunk of exactly `chunk` (1..kMaxChunkLength bytes), for callers that choose
  // chunk boundaries themselves.
  Status write_chunk(ByteView chunk, Bytes& out);
  // Appends the encrypted end marker; nothing may be written after it.
  Status write_end(Bytes& out);

  bool ended() const { return ended_; }

 private:
  Status check_open() const;

  crypto::AeadKey key_;
  TransportNonce nonce_;
  bool ended_ = false;
  bool failed_ = false;
};

class TransportReader {
 public:
  // Receives decrypted chunk contents in order; the view is valid only during the call.
  // REQUIRES: it does not call back into the reader.
  using Deliver = std::function<void(ByteView)>;

  explicit TransportReader(const crypto::AeadKey& receiving_key, std::uint64_t first_nonce = 0);

  // Consumes the next piece of the peer's stream (any split, one byte at a time included) and
  // delivers every chunk completed by it.
  Status feed(ByteView in, const Deliver& deliver);
  // The peer closed the connection: OK iff the end marker was received.
  Status finish();

  bool ended() const { return state_ == State::kEnded; }
  bool failed() const { return state_ == State::kFailed; }
  // Chunk contents delivered so far, in bytes.
  std::uint64_t delivered_bytes() const { return delivered_; }

 private:
  enum class State : std::uint8_t { kLength, kChunk, kEnded, kFailed };

  std::size_t frame_length() const;  // bytes of the ciphertext being awaited
  // Decrypts one whole frame (`cipher` may be buf_ itself) and acts on it.
  Status on_frame(ByteView cipher, const Deliver& deliver);
  Status on_length(std::uint16_t length);
  Status fail(Status st);

  crypto::AeadKey key_;
  TransportNonce nonce_;
  State state_ = State::kLength;
  std::size_t chunk_length_ = 0;  // of the chunk whose data is awaited (state kChunk)
  Bytes buf_;                     // kMaxChunkLength + tag bytes, allocated once
  std::size_t buf_len_ = 0;       // ciphertext bytes of the current frame gathered in buf_
  std::uint64_t delivered_ = 0;
};

}  // namespace osier::sync
