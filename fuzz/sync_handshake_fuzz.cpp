// The handshake message reader (sync/handshake) on hostile bytes. The first byte picks a mode:
//   0: a responder reads the input as msg1 then msg3, cut into pieces of 1..16 bytes;
//   1: an initiator reads the input as msg2 (and what follows);
//   2: a genuine handshake whose three messages are XORed with the input on the way: both
//      sides must complete iff no byte was changed (every change is detected).
// Never crashes, never reads past its input, never completes on altered messages.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "osier/crypto/ed25519.hpp"
#include "sync/handshake.hpp"

namespace {

using namespace osier;
using osier::sync::Handshake;
using osier::sync::HandshakeRole;

const crypto::Ed25519SecretKey& key(std::uint8_t which) {
  static const crypto::Ed25519SecretKey keys[4] = {
      crypto::Ed25519SecretKey::from_seed(crypto::Ed25519Seed{1}),
      crypto::Ed25519SecretKey::from_seed(crypto::Ed25519Seed{2}),
      crypto::Ed25519SecretKey::from_seed(crypto::Ed25519Seed{3}),
      crypto::Ed25519SecretKey::from_seed(crypto::Ed25519Seed{4}),
  };
  return keys[which];
}

Handshake make(HandshakeRole role) {
  const bool ini = role == HandshakeRole::kInitiator;
  return std::move(Handshake::with_ephemeral(role, key(ini ? 0 : 2), key(ini ? 1 : 3)).value());
}

void read_pieces(Handshake& hs, ByteView in, std::size_t piece) {
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t n = std::min(piece, in.size() - pos);
    auto used = hs.receive(in.subspan(pos, n));
    if (!used.is_ok()) return;
    if (*used > n) std::abort();
    if (*used < n && !hs.done()) std::abort();  // stops early only at the end of the handshake
    if (hs.done()) return;
    pos += n;
  }
  (void)hs.finish();
}

void xor_mask(Bytes& msg, ByteView mask, std::size_t& pos, bool& changed) {
  for (auto& b : msg) {
    const std::uint8_t m = pos < mask.size() ? mask[pos] : 0;
    ++pos;
    changed |= m != 0;
    b ^= m;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0] % 3;
  const std::size_t piece = 1 + (data[0] >> 4);
  ByteView in(data + 1, size - 1);
  if (mode == 0) {
    Handshake res = make(HandshakeRole::kResponder);
    read_pieces(res, in, piece);
    if (res.done()) std::abort();  // a forged msg3 would need the initiator's keys
  } else if (mode == 1) {
    Handshake ini = make(HandshakeRole::kInitiator);
    read_pieces(ini, in, piece);
    if (ini.done()) std::abort();  // a forged msg2 would need a DH secret
  } else {
    Handshake ini = make(HandshakeRole::kInitiator);
    Handshake res = make(HandshakeRole::kResponder);
    std::size_t pos = 0;
    bool changed = false;
    Handshake* from = &ini;
    Handshake* to = &res;
    for (int msg = 0; msg < 3; ++msg) {
      Bytes out = from->take_output();
      if (out.empty()) break;
      xor_mask(out, in, pos, changed);
      if (!to->receive(out).is_ok()) break;
      std::swap(from, to);
    }
    const bool both = ini.done() && res.done();
    if (both == changed) std::abort();
    if (both && ini.result().h != res.result().h) std::abort();
  }
  return 0;
}
