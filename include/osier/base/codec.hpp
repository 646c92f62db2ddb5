// Bounded decoding from and encoding to byte strings: the plumbing every encoding relation uses.
//
// A Decoder never reads past its input. Running out of input is kIncomplete — a strict prefix of
// a valid code always decodes as kIncomplete, so callers reading from a stream can tell "need
// more bytes" from "invalid". Bit fields are numbered from the most significant bit of their
// byte, as in the spec's "big-endian bitfield" tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier {

// kAny accepts every code of an encoding relation; kCanonic accepts only the codes of its
// canonic subset (others are kNonCanonic).
enum class DecodeMode { kAny, kCanonic };

class Decoder {
 public:
  explicit Decoder(ByteView input) : input_(input) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return input_.size() - pos_; }
  bool at_end() const { return pos_ == input_.size(); }
  // The bytes read since position `start`. REQUIRES: start <= position().
  ByteView consumed_since(std::size_t start) const { return input_.subspan(start, pos_ - start); }

  Result<std::uint8_t> byte();
  // The next n bytes (a view into the input); kIncomplete without consuming if fewer remain.
  Result<ByteView> take(std::size_t n);

  template <std::size_t N>
  Result<ByteArray<N>> array() {
    OSIER_ASSIGN_OR_RETURN(ByteView b, take(N));
    ByteArray<N> out;
    for (std::size_t i = 0; i < N; ++i) out[i] = b[i];
    return out;
  }

 private:
  ByteView input_;
  std::size_t pos_ = 0;
};

class Encoder {
 public:
  Encoder() = default;
  // Appends to `buffer` (its bytes stay first), in its memory.
  explicit Encoder(Bytes buffer) : out_(std::move(buffer)) {}

  void byte(std::uint8_t b) { out_.push_back(b); }
  // resize + memcpy rather than vector::insert: GCC 12 at -O3 reports false buffer overflows
  // (-Wstringop-overflow, -Warray-bounds) for inlined range inserts into small vectors.
  void bytes(ByteView b) {
    if (b.empty()) return;
    const std::size_t n = out_.size();
    out_.resize(n + b.size());
    std::memcpy(out_.data() + n, b.data(), b.size());
  }
  // Big-endian, `width` bytes (the spec's "corresponding bytes").
  void uint_be(std::uint64_t v, std::size_t width) { put_be(out_, v, width); }

  std::size_t size() const { return out_.size(); }
  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// One byte of bit fields: bit 0 is the most significant bit.
class BitByte {
 public:
  BitByte() = default;
  explicit BitByte(std::uint8_t value) : value_(value) {}

  // REQUIRES: offset + count <= 8, v < 2^count.
  void set(unsigned offset, unsigned count, unsigned v) {
    const unsigned shift = 8 - offset - count;
    const unsigned mask = ((1u << count) - 1u) << shift;
    value_ = static_cast<std::uint8_t>((value_ & ~mask) | ((v << shift) & mask));
  }
  void set_bit(unsigned offset, bool b) { set(offset, 1, b ? 1u : 0u); }

  // REQUIRES: offset + count <= 8.
  unsigned get(unsigned offset, unsigned count) const {
    return (value_ >> (8 - offset - count)) & ((1u << count) - 1u);
  }
  bool bit(unsigned offset) const { return get(offset, 1) != 0; }

  std::uint8_t value() const { return value_; }

 private:
  std::uint8_t value_ = 0;
};

// Shorthands for the errors decoders report.
inline Status invalid_encoding(std::string message) {
  return error(ErrorCode::kInvalidEncoding, std::move(message));
}
inline Status non_canonic(std::string message) {
  return error(ErrorCode::kNonCanonic, std::move(message));
}

}  // namespace osier
