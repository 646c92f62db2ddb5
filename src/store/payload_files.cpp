#include "store/payload_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fs.hpp"
#include "osier/base/io_error.hpp"

namespace osier::store {

Status file_write_at(const std::string& path, std::uint64_t offset, ByteView data, bool sync,
                     const std::function<void()>& meanwhile) {
  bool created = false;
  OSIER_ASSIGN_OR_RETURN(File file, File::open_write(path, &created));
  OSIER_RETURN_IF_ERROR(file.write_at(offset, data));
  if (meanwhile) {
    if (sync) file.start_writeback(offset, data.size());
    meanwhile();
  }
  if (sync) OSIER_RETURN_IF_ERROR(file.sync());
  OSIER_RETURN_IF_ERROR(file.close());
  // A file this call made needs its name made durable too, before a commit records its bytes.
  if (sync && created) OSIER_RETURN_IF_ERROR(fs::sync_parent_dir(path));
  return Status::ok();
}

void file_remove(const std::string& path) { (void)fs::unlink(path.c_str()); }

Status file_publish(const std::string& from, const std::string& to, bool sync) {
  if (sync) {
    const int fd = fs::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", from);
    const int rc = fs::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("cannot sync", from, err);
  }
  if (fs::rename(from.c_str(), to.c_str()) != 0) return io_error("cannot rename", from);
  // The new name must be durable before a commit that records it.
  if (sync) OSIER_RETURN_IF_ERROR(fs::sync_parent_dir(to));
  return Status::ok();
}

Status BufferedFileReader::read(std::uint64_t offset, MutableByteView out) const {
  if (out.size() >= capacity_) return file_.read(offset, out);
  const bool inside = offset >= window_at_ && offset - window_at_ <= held_ &&
                      out.size() <= held_ - (offset - window_at_);
  if (!inside) {
    if (window_.size() != capacity_) window_.resize(capacity_);  // zeroed once, not per refill
    held_ = 0;
    OSIER_ASSIGN_OR_RETURN(held_, file_.read_some(offset, window_));
    window_at_ = offset;
    if (held_ < out.size())
      return error(ErrorCode::kCorrupt, file_.path() + " is shorter than recorded");
  }
  const auto from = static_cast<std::size_t>(offset - window_at_);
  std::memcpy(out.data(), window_.data() + from, out.size());
  return Status::ok();
}

}  // namespace osier::store
