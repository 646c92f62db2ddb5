#include "sync/handshake.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "crypto/hs_hkdf.hpp"
#include "osier/crypto/william3.hpp"

namespace osier::sync {

namespace {

crypto::Ed25519PublicKey pk_at(const std::uint8_t* bytes) {
  crypto::Ed25519PublicKey pk;
  std::memcpy(pk.data(), bytes, pk.size());
  return pk;
}

}  // namespace

Handshake::Handshake(HandshakeRole role, const crypto::Ed25519SecretKey& static_key,
                     const crypto::Ed25519SecretKey& ephemeral_key, ByteView prologue)
    : role_(role),
      state_(role == HandshakeRole::kInitiator ? State::kAwaitMsg2 : State::kAwaitMsg1),
      static_scalar_(crypto::hs_dh_scalar(static_key)),
      static_pk_(static_key.public_key()),
      ephemeral_scalar_(crypto::hs_dh_scalar(ephemeral_key)),
      ephemeral_pk_(ephemeral_key.public_key()) {
  // spec: handshake_and_encryption#handshake_handshake, "init state":
  // h = hs_hash(hs_protocol_name); ck = h; h = hs_hash(concat(h, hs_prologue)).
  h_ = crypto::william3(as_bytes(kHsProtocolName));
  ck_ = crypto::SecretArray<32>(h_);
  mix_hash(prologue);
  if (role == HandshakeRole::kInitiator) write_msg1();
}

Result<Handshake> Handshake::create(HandshakeRole role, const crypto::Ed25519SecretKey& static_key,
                                    const crypto::Ed25519SecretKey& ephemeral_key,
                                    ByteView prologue) {
  if (prologue.size() > kMaxPrologueLength) {
    return osier::error(ErrorCode::kInvalidArgument, "handshake prologue longer than 1024 bytes");
  }
  return Handshake(role, static_key, ephemeral_key, prologue);
}

Result<Handshake> Handshake::initiator(const crypto::Ed25519SecretKey& static_key,
                                       ByteView prologue) {
  return create(HandshakeRole::kInitiator, static_key, crypto::Ed25519SecretKey::generate(),
                prologue);
}

Result<Handshake> Handshake::responder(const crypto::Ed25519SecretKey& static_key,
                                       ByteView prologue) {
  return create(HandshakeRole::kResponder, static_key, crypto::Ed25519SecretKey::generate(),
                prologue);
}

Result<Handshake> Handshake::with_ephemeral(HandshakeRole role,
                                            const crypto::Ed25519SecretKey& static_key,
                                            const crypto::Ed25519SecretKey& ephemeral_key,
                                            ByteView prologue) {
  return create(role, static_key, ephemeral_key, prologue);
}

std::size_t Handshake::expected_length() const {
  switch (state_) {
    case State::kAwaitMsg1:
      return kHsMsg1Length;
    case State::kAwaitMsg2:
      return kHsMsg2Length;
    case State::kAwaitMsg3:
      return kHsMsg3Length;
    case State::kDone:
    case State::kFailed:
      break;
  }
  return 0;
}

Result<std::size_t> Handshake::receive(ByteView in) {
  std::size_t used = 0;
  while (used < in.size()) {
    if (state_ == State::kFailed) return error_;
    if (state_ == State::kDone) break;
    const std::size_t want = expected_length() - buf_len_;
    const std::size_t take = std::min(want, in.size() - used);
    std::memcpy(buf_.data() + buf_len_, in.data() + used, take);
    buf_len_ += take;
    used += take;
    if (buf_len_ == expected_length()) {
      Status st = process_message();
      crypto::wipe(buf_);
      buf_len_ = 0;
      if (!st.is_ok()) return fail(std::move(st));
    }
  }
  if (state_ == State::kFailed) return error_;
  return used;
}

Bytes Handshake::take_output() { return std::exchange(output_, Bytes{}); }

Status Handshake::finish() const {
  if (state_ == State::kDone) return Status::ok();
  if (state_ == State::kFailed) return error_;
  return osier::error(ErrorCode::kIncomplete, "connection closed during the handshake");
}

Status Handshake::process_message() {
  switch (state_) {
    case State::kAwaitMsg1:
      OSIER_RETURN_IF_ERROR(read_msg1());
      OSIER_RETURN_IF_ERROR(write_msg2());
      state_ = State::kAwaitMsg3;
      return Status::ok();
    case State::kAwaitMsg2:
      OSIER_RETURN_IF_ERROR(read_msg2());
      OSIER_RETURN_IF_ERROR(write_msg3());
      split();
      return Status::ok();
    case State::kAwaitMsg3:
      OSIER_RETURN_IF_ERROR(read_msg3());
      split();
      return Status::ok();
    case State::kDone:
    case State::kFailed:
      break;
  }
  return osier::error(ErrorCode::kInternal, "handshake message in a final state");
}

void Handshake::mix_hash(ByteView data) {
  crypto::William3Hasher hasher;
  hasher.update(h_);
  hasher.update(data);
  h_ = hasher.finalize();
}

Status Handshake::mix_key(const crypto::HsDhScalar& scalar, const crypto::Ed25519PublicKey& pk) {
  auto dh = crypto::hs_dh(scalar, pk);
  if (!dh.is_ok()) return dh.status();
  crypto::HsHkdfOutputs out = crypto::hs_hkdf(ck_, dh->view());
  ck_ = std::move(out.first);
  k_ = std::move(out.second);  // hs_digest_to_aeadkey is the identity (willow25)
  return Status::ok();
}

// spec: "-> e" (initiator): send hs_encode_pk(ini_epk); h = hs_hash(concat(h, ini_epk)).
void Handshake::write_msg1() {
  append(output_, ephemeral_pk_);
  mix_hash(ephemeral_pk_);
}

// spec: "-> e" (responder): res_repk = hs_decode_pk(msg1_e); h = hs_hash(concat(h, msg1_e)).
// The key is checked as a point by the first hs_dh it enters (in write_msg2).
Status Handshake::read_msg1() {
  remote_ephemeral_pk_ = pk_at(buf_.data());
  mix_hash(remote_ephemeral_pk_);
  return Status::ok();
}

Result<Handshake> Handshake::claiming_for_tests(HandshakeRole role,
                                                const crypto::Ed25519SecretKey& static_key,
                                                const crypto::Ed25519PublicKey& claimed_static_pk,
                                                ByteView prologue) {
  Result<Handshake> hs = role == HandshakeRole::kInitiator ? initiator(static_key, prologue)
                                                           : responder(static_key, prologue);
  if (hs) hs->static_pk_ = claimed_static_pk;
  return hs;
}

// spec: "<- e, ee, s, es" (responder).
Status Handshake::write_msg2() {
  // e
  append(output_, ephemeral_pk_);
  mix_hash(ephemeral_pk_);
  // ee
  OSIER_RETURN_IF_ERROR(mix_key(ephemeral_scalar_, remote_ephemeral_pk_));
  // s: tmp_cypher1 = hs_encrypt(res_k, 0, res_h, hs_encode_pk(res_spk))
  write_static();
  // es: hs_dh(res_ssk, res_repk)
  return mix_key(static_scalar_, remote_ephemeral_pk_);
}

// spec: "<- e, ee, s, es" (initiator).
Status Handshake::read_msg2() {
  // e
  remote_ephemeral_pk_ = pk_at(buf_.data());
  mix_hash(remote_ephemeral_pk_);
  // ee
  OSIER_RETURN_IF_ERROR(mix_key(ephemeral_scalar_, remote_ephemeral_pk_));
  // s, es: ini_rspk = hs_decode_pk(hs_decrypt(ini_k, 0, ini_h, tmp_cypher1)), then
  // hs_dh(ini_esk, ini_rspk)
  return read_static(ByteView(buf_.data() + kHsPkLength, kHsMsg3Length),
                     "handshake message 2: the responder's static key does not decrypt");
}

// spec: "s, se ->" (initiator).
Status Handshake::write_msg3() {
  // s: tmp_cypher2 = hs_encrypt(ini_k, 0, ini_h, hs_encode_pk(ini_spk))
  write_static();
  // se: hs_dh(ini_ssk, ini_repk)
  return mix_key(static_scalar_, remote_ephemeral_pk_);
}

// spec: "s, se ->" (responder): res_rspk = hs_decode_pk(hs_decrypt(res_k, 0, res_h,
// tmp_cypher2)), then hs_dh(res_esk, res_rspk).
Status Handshake::read_msg3() {
  return read_static(ByteView(buf_.data(), kHsMsg3Length),
                     "handshake message 3: the initiator's static key does not decrypt");
}

// The "s" token, sending: encrypt our static key under k with h as associated data, send it,
// and hash it into h.
void Handshake::write_static() {
  ByteArray<kHsMsg3Length> cypher;
  crypto::aead_encrypt(k_, 0, h_, static_pk_, cypher);
  append(output_, cypher);
  mix_hash(cypher);
}

// The "s" token, receiving, and the DH of our ephemeral key with the peer's static key that
// follows it on both sides (es for the initiator, se for the responder). The key is accepted
// only if hs_dh accepts it as a point.
Status Handshake::read_static(ByteView cypher, const char* what) {
  crypto::Ed25519PublicKey rspk;
  if (!crypto::aead_decrypt(k_, 0, h_, cypher, rspk).is_ok()) {
    return osier::error(ErrorCode::kVerification, what);
  }
  remote_static_pk_ = rspk;
  mix_hash(cypher);
  return mix_key(ephemeral_scalar_, remote_static_pk_);
}

// spec: "Secret Derivation": (aeadk1, aeadk2) = hs_hkdf(ck, zerolen).
void Handshake::split() {
  crypto::HsHkdfOutputs keys = crypto::hs_hkdf(ck_, ByteView{});
  HandshakeResult r;
  r.role = role_;
  r.aeadk1 = std::move(keys.first);
  r.aeadk2 = std::move(keys.second);
  r.h = h_;
  r.peer_static_pk = remote_static_pk_;
  result_ = std::move(r);
  wipe_secrets();  // the handshake's own secrets are no longer needed
  state_ = State::kDone;
}

void Handshake::wipe_secrets() {
  ck_.wipe();
  k_.wipe();
  static_scalar_.wipe();
  ephemeral_scalar_.wipe();
}

Status Handshake::fail(Status st) {
  state_ = State::kFailed;
  error_ = std::move(st);
  wipe_secrets();
  output_.clear();
  return error_;
}

}  // namespace osier::sync
