// The Nose XX handshake with Willow'25's parameters (Nose_XX_ED25519_ChaChaPoly_WILLIAM3),
// as a sans-IO state machine: bytes from the peer in, bytes for the peer out; no sockets,
// threads or clocks.
// spec: handshake_and_encryption#spec_handshake, #handshake_handshake,
// willow25#willow25_cs_handshake
//
// Three messages, no payloads:
//   msg1 (initiator -> responder, 32 bytes): the initiator's ephemeral public key
//   msg2 (responder -> initiator, 80 bytes): the responder's ephemeral public key, then its
//        static public key encrypted (32 + 16-byte tag)
//   msg3 (initiator -> responder, 48 bytes): the initiator's static public key encrypted
// Both sides then derive the two transport keys and share the final handshake hash.
//
// Use: an initiator has msg1 in take_output() right after creation; each side feeds what it
// receives to receive() and sends what take_output() returns, until done(). receive() consumes
// no byte past the last handshake message: the rest of the input is transport data, and the
// returned count says where it starts.
//
// Hostile input: a public key that is not a valid prime-order point (hs_dh), a tag that does
// not verify, or a message that ends early (finish() before done()) aborts the handshake;
// errors are sticky. Nothing of the peer (its static key, the keys) is available before done().
//
// Memory: fixed (one 80-byte message buffer, the pending output, a few keys); never sized by
// the peer. Secrets (ephemeral key, scalars, chaining key, cipher key) are wiped when they die.
// Not thread-safe: one handshake belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "crypto/aead.hpp"
#include "crypto/hs_dh.hpp"
#include "crypto/secret.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"

namespace osier::sync {

// spec: willow25#willow25_cs_handshake (hs_protocol_name)
inline constexpr char kHsProtocolName[] = "Nose_XX_ED25519_ChaChaPoly_WILLIAM3";
// The prologue when none is configured: 16 zero bytes (SPEC-NOTES Sync item 4).
// spec: handshake_and_encryption#hs_prologue
inline constexpr ByteArray<16> kDefaultPrologue{};
// A prologue longer than this is refused (it is local configuration, not peer input).
inline constexpr std::size_t kMaxPrologueLength = 1024;

inline constexpr std::size_t kHsPkLength = 32;  // hs_encode_pk is the identity
inline constexpr std::size_t kHsMsg1Length = kHsPkLength;
inline constexpr std::size_t kHsMsg2Length = kHsPkLength + kHsPkLength + crypto::kAeadTagLength;
inline constexpr std::size_t kHsMsg3Length = kHsPkLength + crypto::kAeadTagLength;

enum class HandshakeRole : std::uint8_t { kInitiator, kResponder };

// What a completed handshake yields. The keys are secrets (wiped with this object).
struct HandshakeResult {
  HandshakeRole role = HandshakeRole::kInitiator;
  crypto::AeadKey aeadk1;  // spec: ini_aeadk1: the initiator's sending key
  crypto::AeadKey aeadk2;  // spec: ini_aeadk2: the responder's sending key
  ByteArray<32> h{};       // the final handshake hash (ini_h == res_h), PIO's pio_rnd
  crypto::Ed25519PublicKey peer_static_pk{};  // claimed; see SecureStream::peer_confirmed

  // spec: handshake_and_encryption#transport_encryption (sending_key, receiving_key)
  const crypto::AeadKey& sending_key() const {
    return role == HandshakeRole::kInitiator ? aeadk1 : aeadk2;
  }
  const crypto::AeadKey& receiving_key() const {
    return role == HandshakeRole::kInitiator ? aeadk2 : aeadk1;
  }
};

class Handshake {
 public:
  // A handshake with a fresh ephemeral key from secure randomness. The static key's scalar is
  // copied (the caller keeps `static_key`). kInvalidArgument if prologue > kMaxPrologueLength.
  static Result<Handshake> initiator(const crypto::Ed25519SecretKey& static_key,
                                     ByteView prologue = kDefaultPrologue);
  static Result<Handshake> responder(const crypto::Ed25519SecretKey& static_key,
                                     ByteView prologue = kDefaultPrologue);
  // The same with a given ephemeral key: for test vectors. An ephemeral key must never be
  // reused across handshakes.
  static Result<Handshake> with_ephemeral(HandshakeRole role,
                                          const crypto::Ed25519SecretKey& static_key,
                                          const crypto::Ed25519SecretKey& ephemeral_key,
                                          ByteView prologue = kDefaultPrologue);

  // For tests of impostors only: a handshake that sends `claimed_static_pk` as its static key
  // while its DHs use `static_key` — what anyone who does not hold the claimed key can do. It
  // completes on its side; the peer's handshake completes too (nothing in the handshake checks
  // the claim), but the transport keys differ, so the first transport chunk never decrypts
  // (SecureStream::peer_confirmed).
  static Result<Handshake> claiming_for_tests(HandshakeRole role,
                                              const crypto::Ed25519SecretKey& static_key,
                                              const crypto::Ed25519PublicKey& claimed_static_pk,
                                              ByteView prologue = kDefaultPrologue);

  HandshakeRole role() const { return role_; }

  // Consumes bytes from the peer, at most up to the end of the handshake's last message, and
  // returns how many it consumed (all of `in` unless the handshake completed inside it). Any
  // output to send is appended to what take_output() returns.
  Result<std::size_t> receive(ByteView in);
  // The bytes to send to the peer now (moved out; empty when there are none).
  Bytes take_output();
  // The peer closed the connection: OK iff the handshake had completed.
  Status finish() const;

  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // The error that aborted the handshake. REQUIRES: failed()
  const Status& error() const { return error_; }
  // REQUIRES: done()
  const HandshakeResult& result() const { return *result_; }

  // The running handshake hash (ini_h / res_h), for tests of the transcript.
  const ByteArray<32>& transcript_hash() const { return h_; }

 private:
  enum class State : std::uint8_t {
    kAwaitMsg1,  // responder
    kAwaitMsg2,  // initiator
    kAwaitMsg3,  // responder
    kDone,
    kFailed,
  };

  Handshake(HandshakeRole role, const crypto::Ed25519SecretKey& static_key,
            const crypto::Ed25519SecretKey& ephemeral_key, ByteView prologue);
  static Result<Handshake> create(HandshakeRole role, const crypto::Ed25519SecretKey& static_key,
                                  const crypto::Ed25519SecretKey& ephemeral_key, ByteView prologue);

  std::size_t expected_length() const;
  Status process_message();
  Status read_msg1();
  Status read_msg2();
  Status read_msg3();
  void write_msg1();
  Status write_msg2();
  Status write_msg3();
  void write_static();
  Status read_static(ByteView cypher, const char* what);
  void split();
  void wipe_secrets();
  // spec: the steps "Set h to hs_hash(concat(h, x))".
  void mix_hash(ByteView data);
  // spec: "Let (tmp_ck, tmp_k) = hs_hkdf(ck, hs_dh(sk, pk)); set ck; set k".
  Status mix_key(const crypto::HsDhScalar& scalar, const crypto::Ed25519PublicKey& pk);
  Status fail(Status st);

  HandshakeRole role_;
  State state_;
  Status error_;
  crypto::HsDhScalar static_scalar_;  // ini_ssk / res_ssk
  crypto::Ed25519PublicKey static_pk_{};
  crypto::HsDhScalar ephemeral_scalar_;  // ini_esk / res_esk
  crypto::Ed25519PublicKey ephemeral_pk_{};
  crypto::Ed25519PublicKey remote_ephemeral_pk_{};  // ini_repk / res_repk
  crypto::Ed25519PublicKey remote_static_pk_{};     // ini_rspk / res_rspk
  ByteArray<32> h_{};
  crypto::SecretArray<32> ck_;
  crypto::AeadKey k_;
  ByteArray<kHsMsg2Length> buf_{};  // the message being received (the longest is msg2)
  std::size_t buf_len_ = 0;
  Bytes output_;
  std::optional<HandshakeResult> result_;
};

}  // namespace osier::sync
