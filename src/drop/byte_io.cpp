#include "osier/drop/byte_io.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "osier/base/io_error.hpp"

namespace osier::drop {

namespace {
constexpr std::size_t kPiece = std::size_t{64} << 10;

}  // namespace

ByteSource memory_source(ByteView bytes) {
  return [bytes, pos = std::size_t{0}](MutableByteView out) mutable -> Result<std::size_t> {
    const std::size_t n = std::min(out.size(), bytes.size() - pos);
    if (n > 0) std::memcpy(out.data(), bytes.data() + pos, n);
    pos += n;
    return n;
  };
}

ByteSink memory_sink(Bytes& out) {
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

Result<File> File::open_read(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return io_error("cannot open", path);
  return File(f, path);
}

Result<File> File::create(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return io_error("cannot create", path);
  return File(f, path);
}

File::~File() {
  if (f_ != nullptr) std::fclose(f_);
}

ByteSource File::source() {
  return [this](MutableByteView out) -> Result<std::size_t> {
    const std::size_t n = std::fread(out.data(), 1, out.size(), f_);
    if (n < out.size() && std::ferror(f_)) return io_error("cannot read", path_);
    return n;
  };
}

ByteSink File::sink() {
  return [this](ByteView piece) -> Status {
    if (piece.empty()) return Status::ok();
    if (std::fwrite(piece.data(), 1, piece.size(), f_) != piece.size()) {
      return io_error("cannot write", path_);
    }
    return Status::ok();
  };
}

Status File::close() {
  if (f_ == nullptr) return Status::ok();
  const bool bad = std::fflush(f_) != 0 || std::ferror(f_) != 0;
  const bool close_failed = std::fclose(f_) != 0;
  f_ = nullptr;
  if (bad || close_failed) return io_error("cannot write", path_);
  return Status::ok();
}

std::uint64_t File::size() const {
  struct stat st {};
  if (f_ == nullptr || ::fstat(fileno(f_), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace osier::drop
