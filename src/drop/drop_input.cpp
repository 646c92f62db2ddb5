#include "drop/drop_input.hpp"

#include <cstring>

namespace osier::drop {

namespace {
constexpr std::size_t kMinBuffer = std::size_t{64} << 10;
}

DropInput::DropInput(ByteSource source, std::size_t max_lookahead)
    : source_(std::move(source)), max_lookahead_(max_lookahead) {}

Result<ByteView> DropInput::peek(std::size_t n) {
  if (n > max_lookahead_) {
    return error(ErrorCode::kOutOfRange, "drop: an item is larger than the " +
                                             std::to_string(max_lookahead_) + "-byte limit");
  }
  if (end_ - start_ < n && !eof_) {
    if (start_ > 0) {
      std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (buf_.size() < n) buf_.resize(std::max(n, std::min(kMinBuffer, max_lookahead_)));
    if (buf_.size() < kMinBuffer && max_lookahead_ >= kMinBuffer) buf_.resize(kMinBuffer);
    while (end_ < n && !eof_) {
      OSIER_ASSIGN_OR_RETURN(std::size_t got,
                             source_(MutableByteView(buf_.data() + end_, buf_.size() - end_)));
      if (got == 0) eof_ = true;
      end_ += got;
    }
  }
  return ByteView(buf_.data() + start_, end_ - start_);
}

void DropInput::consume(std::size_t n) {
  start_ += n;
  position_ += n;
}

}  // namespace osier::drop
