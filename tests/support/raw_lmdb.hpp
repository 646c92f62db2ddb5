// Opens an LMDB store's environment directly, as another build (or a damaged disk) would see
// it, so tests can rewrite its records underneath LmdbStore. One write transaction, committed
// by commit().
#pragma once

#include <gtest/gtest.h>
#include <lmdb.h>

#include <string>

namespace osier::testing {

class RawLmdb {
 public:
  explicit RawLmdb(const std::string& dir) {
    EXPECT_EQ(mdb_env_create(&env_), 0);
    mdb_env_set_maxdbs(env_, 8);
    EXPECT_EQ(mdb_env_open(env_, dir.c_str(), 0, 0600), 0);
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, 0, &txn_), 0);
  }
  RawLmdb(const RawLmdb&) = delete;
  RawLmdb& operator=(const RawLmdb&) = delete;
  ~RawLmdb() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    mdb_env_close(env_);
  }

  MDB_txn* txn() { return txn_; }
  MDB_dbi db(const char* name) {
    MDB_dbi dbi = 0;
    EXPECT_EQ(mdb_dbi_open(txn_, name, 0, &dbi), 0) << name;
    return dbi;
  }
  void commit() {
    EXPECT_EQ(mdb_txn_commit(txn_), 0);
    txn_ = nullptr;
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
};

}  // namespace osier::testing
