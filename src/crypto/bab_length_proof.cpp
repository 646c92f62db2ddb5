#include "crypto/bab_length_proof.hpp"

#include <cstring>

#include "osier/crypto/bab_outboard.hpp"

namespace osier::crypto {

Result<Bytes> bab_make_length_proof(std::uint64_t length, const RandomReader& payload,
                                    const RandomReader& outboard, const BabHash& hash) {
  if (length <= hash.chunk_size()) {
    Bytes proof(static_cast<std::size_t>(length));
    OSIER_RETURN_IF_ERROR(payload.read(0, proof));
    return proof;
  }
  // Post-order puts the root's pair last.
  Bytes proof(64);
  OSIER_RETURN_IF_ERROR(outboard.read(bab_outboard_size(length, hash.chunk_size()) - 64, proof));
  return proof;
}

Status bab_check_length_proof(const BabLabel& digest, std::uint64_t claimed_length, ByteView proof,
                              const BabHash& hash) {
  BabLabel root;
  if (claimed_length <= hash.chunk_size()) {
    if (proof.size() != claimed_length) {
      return error(ErrorCode::kVerification, "length proof is not the whole short payload");
    }
    root = hash.hash_chunk(proof, true);
  } else {
    if (proof.size() != 64) return error(ErrorCode::kVerification, "length proof is not 64 bytes");
    BabLabel l, r;
    std::memcpy(l.data(), proof.data(), 32);
    std::memcpy(r.data(), proof.data() + 32, 32);
    root = hash.hash_inner(l, r, claimed_length, true);
  }
  if (root != digest) return error(ErrorCode::kVerification, "length proof does not match digest");
  return Status::ok();
}

}  // namespace osier::crypto
