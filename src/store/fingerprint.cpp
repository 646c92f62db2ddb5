#include "osier/store/fingerprint.hpp"

#include "osier/crypto/william3.hpp"
#include "osier/model/encoding_entry.hpp"

namespace osier::store {

Fp256 Fp256::from_bytes(const ByteArray<32>& b) {
  Fp256 f;
  for (int limb = 0; limb < 4; ++limb) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | b[static_cast<std::size_t>((3 - limb) * 8 + i)];
    f.w[limb] = v;
  }
  return f;
}

Fingerprint Fp256::to_bytes() const {
  Fingerprint b{};
  for (int limb = 0; limb < 4; ++limb) {
    for (int i = 0; i < 8; ++i) {
      b[static_cast<std::size_t>((3 - limb) * 8 + i)] =
          static_cast<std::uint8_t>(w[limb] >> (8 * (7 - i)));
    }
  }
  return b;
}

Fp256& Fp256::operator+=(const Fp256& o) {
  std::uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t a = w[i];
    const std::uint64_t s = a + o.w[i];
    const std::uint64_t c1 = s < a ? 1 : 0;
    w[i] = s + carry;
    carry = c1 | (w[i] < s ? 1 : 0);
  }
  return *this;
}

Fp256& Fp256::operator-=(const Fp256& o) {
  std::uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t a = w[i];
    const std::uint64_t d = a - o.w[i];
    const std::uint64_t b1 = a < o.w[i] ? 1 : 0;
    w[i] = d - borrow;
    borrow = b1 | (d < borrow ? 1 : 0);
  }
  return *this;
}

Fp256 hash_lengthy_authorised_entry(const model::Entry& entry, ByteView token,
                                    std::uint64_t available) {
  crypto::William3Hasher h;
  Bytes prefix;
  put_be(prefix, available, 8);
  h.update(prefix);
  h.update(token);
  h.update(model::encode_entry_bytes(entry));
  return Fp256::from_bytes(h.finalize());
}

}  // namespace osier::store
