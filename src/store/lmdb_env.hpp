// Thin RAII wrappers over liblmdb: an environment, a transaction that aborts unless committed,
// and the mapping of LMDB return codes to Status.
#pragma once

#include <lmdb.h>

#include <memory>
#include <optional>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier::store::lmdb {

// OK for MDB_SUCCESS; otherwise kResourceExhausted for a full map or disk
// (osier/base/io_error.hpp), kCorrupt for damaged or foreign files, kIo for the rest; the message
// names `what` and LMDB's explanation.
Status status_of(int rc, const std::string& what);

struct EnvCloser {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
using EnvPtr = std::unique_ptr<MDB_env, EnvCloser>;

inline MDB_val val(ByteView b) {
  return MDB_val{b.size(), const_cast<std::uint8_t*>(b.data())};  // LMDB never writes through it
}
inline ByteView view(const MDB_val& v) {
  return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size};
}

class Txn {
 public:
  static Result<Txn> begin(MDB_env* env, bool read_only);
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&&) = delete;
  Txn(const Txn&) = delete;
  ~Txn() {
    if (txn_) mdb_txn_abort(txn_);
  }

  MDB_txn* get() const { return txn_; }
  Status commit();

  // The value at `key`, or nullopt; the view is valid until the transaction ends or writes.
  Result<std::optional<ByteView>> get(MDB_dbi dbi, ByteView key) const;
  Status put(MDB_dbi dbi, ByteView key, ByteView value);
  // Deletes `key`; not finding it is fine.
  Status del(MDB_dbi dbi, ByteView key);

 private:
  explicit Txn(MDB_txn* t) : txn_(t) {}
  MDB_txn* txn_;
};

// A cursor over one database, closed on destruction (read-write cursors must close before
// their transaction commits).
class Cursor {
 public:
  static Result<Cursor> open(const Txn& txn, MDB_dbi dbi);
  Cursor(Cursor&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  Cursor& operator=(Cursor&&) = delete;
  Cursor(const Cursor&) = delete;
  ~Cursor() {
    if (c_) mdb_cursor_close(c_);
  }
  // Positions at the first key >= `key` (seek) or moves on (next); false at the end.
  Result<bool> seek(ByteView key);
  Result<bool> first();
  Result<bool> next();
  ByteView key() const { return view(k_); }
  ByteView value() const { return view(v_); }

 private:
  explicit Cursor(MDB_cursor* c) : c_(c) {}
  Result<bool> step(MDB_cursor_op op);
  MDB_cursor* c_;
  MDB_val k_{}, v_{};
};

}  // namespace osier::store::lmdb
