// io_error: one errno classification for every layer (osier/base/io_error.hpp).
#include "osier/base/io_error.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace osier {
namespace {

TEST(IoError, AFullDiskIsResourceExhaustedAndSaysSo) {
  for (const int err : {ENOSPC, EDQUOT, EFBIG}) {
    const Status st = io_error("cannot write", "/x/y", err);
    EXPECT_EQ(st.code(), ErrorCode::kResourceExhausted) << err;
    EXPECT_EQ(st.message().rfind("cannot write /x/y: disk full (", 0), 0u) << st.message();
    EXPECT_TRUE(is_disk_full(err));
  }
  EXPECT_EQ(io_error("f", ENOSPC).message(), "f: disk full (no space left on device)");
  EXPECT_EQ(io_error("f", EDQUOT).message(), "f: disk full (disk quota exceeded)");
  EXPECT_EQ(io_error("f", EFBIG).message(), "f: disk full (file size limit reached)");
  EXPECT_STREQ(error_code_name(ErrorCode::kResourceExhausted), "resource exhausted");
}

TEST(IoError, OtherErrorsAreIoWithTheSystemsText) {
  for (const int err : {EIO, EACCES, ENOENT, EROFS}) {
    const Status st = io_error("f", err);
    EXPECT_EQ(st.code(), ErrorCode::kIo) << err;
    EXPECT_EQ(st.message(), std::string("f: ") + std::strerror(err));
    EXPECT_FALSE(is_disk_full(err));
  }
}

TEST(IoError, TheErrnoOfTheCallIsTheDefault) {
  errno = ENOSPC;
  EXPECT_EQ(io_error("cannot create", "d").code(), ErrorCode::kResourceExhausted);
  errno = EACCES;
  EXPECT_EQ(io_error("cannot create", "d").code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace osier
