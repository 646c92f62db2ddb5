#include "osier/crypto/bab_hash.hpp"

#include <cstring>

#include "crypto/william3_impl.hpp"
#include "osier/crypto/bab_tree.hpp"
#include "osier/crypto/william3.hpp"

namespace osier::crypto {

BabLabel BabHash::hash_subtree(ByteView bytes, bool is_root) const {
  const std::uint64_t cs = chunk_size();
  if (bytes.size() <= cs) return hash_chunk(bytes, is_root);
  std::uint64_t chunks = (bytes.size() - 1) / cs + 1;
  std::uint64_t left_len = BabGeometry::left_child_chunks(chunks) * cs;
  BabLabel l = hash_subtree(bytes.first(left_len), false);
  BabLabel r = hash_subtree(bytes.subspan(left_len), false);
  return hash_inner(l, r, bytes.size(), is_root);
}

void BabHash::hash_chunks(const std::uint8_t* const* chunks, std::size_t n, BabLabel* out) const {
  for (std::size_t i = 0; i < n; ++i) out[i] = hash_chunk({chunks[i], chunk_size()}, false);
}

void BabHash::hash_inners(const std::uint8_t* const* pairs, std::size_t n, std::uint64_t len,
                          BabLabel* out) const {
  for (std::size_t i = 0; i < n; ++i) {
    BabLabel l, r;
    std::memcpy(l.data(), pairs[i], 32);
    std::memcpy(r.data(), pairs[i] + 32, 32);
    out[i] = hash_inner(l, r, len, false);
  }
}

namespace {

class William3Bab final : public BabHash {
 public:
  William3Bab() {
    for (int i = 0; i < 8; ++i) key_[i] = w3::kIv[i];
  }
  std::uint64_t chunk_size() const override { return w3::kChunkLen; }

  BabLabel hash_chunk(ByteView chunk, bool is_root) const override {
    return to_label(w3::chunk_cv(chunk.data(), chunk.size(), key_, 0, is_root));
  }

  BabLabel hash_inner(const BabLabel& left, const BabLabel& right, std::uint64_t len,
                      bool is_root) const override {
    return to_label(
        w3::parent_cv(w3::load_cv(left.data()), w3::load_cv(right.data()), len, key_, 0, is_root));
  }

  BabLabel hash_subtree(ByteView bytes, bool is_root) const override {
    if (bytes.size() <= w3::kChunkLen) return hash_chunk(bytes, is_root);
    if (!is_root) return to_label(w3::subtree_cv(bytes.data(), bytes.size(), key_, 0));
    w3::Cv l, r;
    w3::subtree_children(bytes.data(), bytes.size(), key_, 0, l, r);
    return to_label(w3::parent_cv(l, r, bytes.size(), key_, 0, true));
  }

  void hash_chunks(const std::uint8_t* const* chunks, std::size_t n, BabLabel* out) const override {
    // BabLabel is a plain 32-byte array, so the labels can be written in place.
    static_assert(sizeof(BabLabel) == w3::kOutLen);
    const w3::Backend& be = w3::active_backend();
    const std::size_t degree = be.simd_degree;
    std::size_t whole = n / degree * degree, rest = n - whole;
    // A remainder of more than half the lanes is cheaper hashed as a full set of lanes (the
    // padding lanes repeat a real chunk) than in the backend's narrower paths.
    if (degree > 1 && degree <= 16 && rest > degree / 2) {
      be.hash_many(chunks, whole, w3::kBlocksPerChunk, key_.data(), 0, 0, w3::kChunkStart,
                   w3::kChunkEnd, reinterpret_cast<std::uint8_t*>(out));
      const std::uint8_t* padded[16];
      for (std::size_t i = 0; i < degree; ++i) padded[i] = chunks[whole + std::min(i, rest - 1)];
      BabLabel tmp[16];
      be.hash_many(padded, degree, w3::kBlocksPerChunk, key_.data(), 0, 0, w3::kChunkStart,
                   w3::kChunkEnd, reinterpret_cast<std::uint8_t*>(tmp));
      std::copy(tmp, tmp + rest, out + whole);
      return;
    }
    be.hash_many(chunks, n, w3::kBlocksPerChunk, key_.data(), 0, 0, w3::kChunkStart, w3::kChunkEnd,
                 reinterpret_cast<std::uint8_t*>(out));
  }

  void hash_inners(const std::uint8_t* const* pairs, std::size_t n, std::uint64_t len,
                   BabLabel* out) const override {
    // WILLIAM3 labels inner nodes with t = their length, so one batch shares one length.
    w3::active_backend().hash_many(pairs, n, 1, key_.data(), len, w3::kParent, 0, 0,
                                   reinterpret_cast<std::uint8_t*>(out));
  }

 private:
  static BabLabel to_label(const w3::Cv& cv) {
    BabLabel out;
    w3::store_cv(out.data(), cv);
    return out;
  }
  w3::Cv key_{};
};

}  // namespace

BabLabel ConventionalBab::hash_chunk(ByteView chunk, bool is_root) const {
  William3Hasher h;
  h.update(chunk);
  const std::uint8_t flag[1] = {static_cast<std::uint8_t>(is_root ? 0x01 : 0x00)};
  h.update(flag);
  return h.finalize();
}

BabLabel ConventionalBab::hash_inner(const BabLabel& left, const BabLabel& right, std::uint64_t len,
                                     bool is_root) const {
  std::uint8_t in[32 + 32 + 8 + 1];
  std::memcpy(in, left.data(), 32);
  std::memcpy(in + 32, right.data(), 32);
  for (int i = 0; i < 8; ++i) in[64 + i] = static_cast<std::uint8_t>(len >> (8 * (7 - i)));
  in[72] = is_root ? 0x03 : 0x02;
  return william3(in);
}

const BabHash& william3_bab() {
  static const William3Bab h;
  return h;
}

}  // namespace osier::crypto
