// Constant-size proofs of a payload's length. spec: bab#length_verification
//
// For a payload of at most one chunk the proof is the payload itself; otherwise it is the
// labels of the root's two children (64 bytes), which with the claimed length must hash
// (hash_inner, is_root) to the digest. Layout: docs/formats.md "Bab length proof".
#pragma once

#include <cstdint>

#include "osier/base/bytes.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_hash.hpp"

namespace osier::crypto {

// Reads the proof from the payload (short payloads) or the outboard (the root's pair is the
// outboard's last 64 bytes).
Result<Bytes> bab_make_length_proof(std::uint64_t length, const RandomReader& payload,
                                    const RandomReader& outboard,
                                    const BabHash& hash = william3_bab());

// OK iff `proof` shows that the payload with `digest` is `claimed_length` bytes long.
Status bab_check_length_proof(const BabLabel& digest, std::uint64_t claimed_length, ByteView proof,
                              const BabHash& hash = william3_bab());

}  // namespace osier::crypto
