#include "osier/base/codec.hpp"

namespace osier {

Result<std::uint8_t> Decoder::byte() {
  if (pos_ >= input_.size()) return error(ErrorCode::kIncomplete, "input ended inside a code");
  return input_[pos_++];
}

Result<ByteView> Decoder::take(std::size_t n) {
  if (n > remaining()) return error(ErrorCode::kIncomplete, "input ended inside a code");
  ByteView out = input_.subspan(pos_, n);
  pos_ += n;
  return out;
}

}  // namespace osier
