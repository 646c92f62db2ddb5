#include "store/lmdb_env.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdint>

#include "osier/base/io_error.hpp"

namespace osier::store::lmdb {

Status status_of(int rc, const std::string& what) {
  if (rc == MDB_SUCCESS) return Status::ok();
  if (is_disk_full(rc)) return io_error(what, rc);  // LMDB passes the system's errno through
  const std::string msg = what + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
      return error(ErrorCode::kResourceExhausted, msg + " (the store's map size is exhausted)");
    case MDB_CORRUPTED:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_PAGE_NOTFOUND:
    case MDB_INCOMPATIBLE:
      return error(ErrorCode::kCorrupt, msg);
    default:
      return error(ErrorCode::kIo, msg);
  }
}

Result<Txn> Txn::begin(MDB_env* env, bool read_only) {
  MDB_txn* t = nullptr;
  OSIER_RETURN_IF_ERROR(
      status_of(mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &t), "begin transaction"));
  return Txn(t);
}

namespace {

// LMDB reports a write cut short — how a full disk or a file size limit often shows — as EIO.
// Tells those apart from a failing device where the file system says so.
Status explain_io_error(MDB_env* env, Status st) {
  const char* dir = nullptr;
  if (env == nullptr || mdb_env_get_path(env, &dir) != MDB_SUCCESS || dir == nullptr) return st;
  struct statvfs fs {};
  if (::statvfs(dir, &fs) == 0 &&
      static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < (std::uint64_t{1} << 20)) {
    return error(ErrorCode::kResourceExhausted,
                 st.message() + ": disk full (no space left on device)");
  }
  struct rlimit limit {};
  struct stat data {};
  const std::string file = std::string(dir) + "/data.mdb";
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      ::stat(file.c_str(), &data) == 0 && static_cast<rlim_t>(data.st_size) >= limit.rlim_cur) {
    return error(ErrorCode::kResourceExhausted,
                 st.message() + ": disk full (file size limit reached)");
  }
  return st;
}

}  // namespace

Status Txn::commit() {
  MDB_txn* t = txn_;
  txn_ = nullptr;  // commit frees the transaction whether or not it succeeds
  MDB_env* env = mdb_txn_env(t);
  const int rc = mdb_txn_commit(t);
  Status st = status_of(rc, "commit");
  if (rc == EIO) return explain_io_error(env, std::move(st));
  return st;
}

Result<std::optional<ByteView>> Txn::get(MDB_dbi dbi, ByteView key) const {
  MDB_val k = val(key);
  MDB_val v{};
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<ByteView>();
  OSIER_RETURN_IF_ERROR(status_of(rc, "read"));
  return std::optional<ByteView>(view(v));
}

Status Txn::put(MDB_dbi dbi, ByteView key, ByteView value) {
  MDB_val k = val(key);
  MDB_val v = val(value);
  return status_of(mdb_put(txn_, dbi, &k, &v, 0), "write");
}

Status Txn::del(MDB_dbi dbi, ByteView key) {
  MDB_val k = val(key);
  const int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::ok();
  return status_of(rc, "delete");
}

Result<Cursor> Cursor::open(const Txn& txn, MDB_dbi dbi) {
  MDB_cursor* c = nullptr;
  OSIER_RETURN_IF_ERROR(status_of(mdb_cursor_open(txn.get(), dbi, &c), "open cursor"));
  return Cursor(c);
}

Result<bool> Cursor::step(MDB_cursor_op op) {
  const int rc = mdb_cursor_get(c_, &k_, &v_, op);
  if (rc == MDB_NOTFOUND) return false;
  OSIER_RETURN_IF_ERROR(status_of(rc, "cursor"));
  return true;
}

Result<bool> Cursor::seek(ByteView key) {
  k_ = val(key);
  return step(MDB_SET_RANGE);
}
Result<bool> Cursor::first() { return step(MDB_FIRST); }
Result<bool> Cursor::next() { return step(MDB_NEXT); }

}  // namespace osier::store::lmdb
