#include "osier/base/io.hpp"

#include <algorithm>
#include <cstring>

namespace osier {

namespace {
constexpr std::size_t kPiece = std::size_t{64} << 10;
}  // namespace

Status BytesReader::read(std::uint64_t offset, MutableByteView out) const {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    return error(ErrorCode::kOutOfRange, "read past the end of the data");
  }
  if (!out.empty()) std::memcpy(out.data(), bytes_.data() + offset, out.size());
  return Status::ok();
}

ByteSource memory_source(ByteView bytes, std::size_t max_piece) {
  return
      [bytes, max_piece, pos = std::size_t{0}](MutableByteView out) mutable -> Result<std::size_t> {
        const std::size_t n = std::min({out.size(), max_piece, bytes.size() - pos});
        if (n > 0) std::memcpy(out.data(), bytes.data() + pos, n);
        pos += n;
        return n;
      };
}

ByteSink append_to(Bytes& out) {
  return [&out](ByteView piece) {
    append(out, piece);
    return Status::ok();
  };
}

BufferedSink::BufferedSink(ByteSink sink) : sink_(std::move(sink)) { buf_.reserve(kPiece); }

Status BufferedSink::write(ByteView data) {
  written_ += data.size();
  if (buf_.size() + data.size() > kPiece) {
    OSIER_RETURN_IF_ERROR(flush());
    if (data.size() >= kPiece) return sink_(data);
  }
  append(buf_, data);
  return Status::ok();
}

Status BufferedSink::flush() {
  if (buf_.empty()) return Status::ok();
  Status st = sink_(ByteView(buf_.data(), buf_.size()));
  buf_.clear();
  return st;
}

}  // namespace osier
