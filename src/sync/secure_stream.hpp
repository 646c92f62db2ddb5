// One connection's byte stream made secure (sans-IO): the Nose XX handshake, then transport
// encryption in both directions. It composes sync/handshake and sync/transport and nothing else;
// what runs inside (an LCMUX session) is the caller's.
// spec: handshake_and_encryption#spec_handshake, #transport_encryption
//
// Consumes: the peer's bytes in pieces of any size (receive), EOF (finish), and the plaintext to
// send (send, send_end). Emits: the bytes for the peer (take_output) and, once the handshake is
// done, the peer's plaintext in order through the callback given to receive. Bytes that arrive
// in the same piece as the handshake's last message are transport data and are decrypted at
// once.
//
// Writing: send() cuts plaintext into chunks of kMaxChunkLength bytes; a shorter tail becomes a
// shorter chunk at once (there is no timer to wait for more), so callers that want full chunks
// hand over many bytes per call.
//
// Errors are sticky (the handshake's and the transport reader's rules: a bad point, a tag that
// does not verify, a chunk length over 4096, bytes after the peer's end marker, EOF before it).
// Nothing of the peer is available before established().
//
// Identity: the willow handshake has no payloads, so no tag inside it proves that the peer holds
// the static key it sent (msg2's `es`, msg3's `se` are never checked there). Possession is
// proven only by the first transport data that decrypts with the keys those DHs fed:
// peer_confirmed(). Until then result().peer_static_pk is a claim, not an identity
// (docs/spec-notes.md, "Handshake and transport").
//
// Memory: fixed (the handshake's buffers, the reader's 4112-byte buffer) plus the pending output,
// which grows only with what the caller sends (and the handshake's 80 bytes). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"
#include "sync/handshake.hpp"
#include "sync/transport.hpp"

namespace osier::sync {

class SecureStream {
 public:
  // An initiator's first message is in take_output() right away.
  static Result<SecureStream> create(HandshakeRole role, const crypto::Ed25519SecretKey& static_key,
                                     ByteView prologue = kDefaultPrologue);

  // Consumes the peer's bytes; transport plaintext goes to `deliver` (valid during the call).
  Status receive(ByteView in, const TransportReader::Deliver& deliver);
  // The peer closed its side: OK iff it sent the end marker first.
  Status finish();

  // Encrypts `plaintext` for the peer. REQUIRES: established(). Empty plaintext adds nothing.
  Status send(ByteView plaintext);
  // Ends our direction with the end marker; nothing may be sent after it.
  Status send_end();
  // The bytes to send now (moved out; empty when there are none).
  Bytes take_output();
  // The same, appended to `out`; when `out` is empty the buffers are swapped, so a caller that
  // passes back a spent buffer makes the stream reuse its memory.
  void take_output(Bytes& out);

  // The handshake is done: we may send, and result() holds the keys and the peer's *claimed*
  // static key.
  bool established() const { return handshake_.done(); }
  // established(), and the peer proved it holds its static key: a transport chunk or the end
  // marker decrypted with the keys derived from it. Stays true once true.
  bool peer_confirmed() const {
    return reader_ && (reader_->delivered_bytes() > 0 || reader_->ended());
  }
  // REQUIRES: established()
  const HandshakeResult& result() const { return handshake_.result(); }
  bool failed() const { return failed_; }
  // We sent the end marker / the peer's end marker arrived.
  bool sent_end() const { return writer_ && writer_->ended(); }
  bool peer_ended() const { return reader_ && reader_->ended(); }
  // Transport plaintext received so far.
  std::uint64_t received_plaintext() const { return reader_ ? reader_->delivered_bytes() : 0; }

 private:
  explicit SecureStream(Handshake handshake) : handshake_(std::move(handshake)) {}
  Status fail(Status st);

  Handshake handshake_;
  std::optional<TransportWriter> writer_;
  std::optional<TransportReader> reader_;
  Bytes output_;
  bool failed_ = false;
};

}  // namespace osier::sync
