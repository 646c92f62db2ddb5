// A buffered, bounded view of a ByteSource: look ahead a few bytes, consume them.
#pragma once

#include <cstdint>

#include "osier/base/io.hpp"

namespace osier::drop {

class DropInput {
 public:
  // `max_lookahead` caps how many bytes peek() may be asked to buffer.
  DropInput(ByteSource source, std::size_t max_lookahead);

  // The buffered bytes after buffering at least `n` (fewer only at the end of the input).
  // kOutOfRange when n exceeds the lookahead cap.
  Result<ByteView> peek(std::size_t n);
  // REQUIRES: n <= the size of the last peek().
  void consume(std::size_t n);
  // Bytes consumed so far.
  std::uint64_t position() const { return position_; }

 private:
  ByteSource source_;
  std::size_t max_lookahead_;
  Bytes buf_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  std::uint64_t position_ = 0;
};

}  // namespace osier::drop
