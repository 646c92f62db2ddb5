// The file-system seam (base/fs.hpp): calls pass through untouched without an injector; the
// injector counts each kind, fails exactly the chosen call with the chosen errno (doing
// nothing), and File reports that failure classified as osier/base/io_error.hpp does.
#include "base/fs.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "osier/base/file.hpp"
#include "support/temp_dir.hpp"

namespace osier::fs {
namespace {

TEST(FsSeam, TheInjectorFailsExactlyTheChosenCallAndCountsEveryKind) {
  const osier::testing::TempDir dir;
  FaultInjector inject;
  inject.fail(Op::kWrite, 2, ENOSPC);
  Result<File> f = File::create(dir.sub("a"));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->append(as_bytes("one")));
  const Status second = f->append(as_bytes("two"));
  EXPECT_TRUE(inject.fired());
  EXPECT_EQ(second.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(second.message().find("disk full"), std::string::npos) << second.to_string();
  EXPECT_TRUE(f->append(as_bytes("three")));  // only the second write fails
  EXPECT_TRUE(f->sync());
  EXPECT_TRUE(f->close());
  EXPECT_EQ(std::filesystem::file_size(dir.sub("a")), 8u);  // the failed write wrote nothing
  EXPECT_EQ(inject.calls(Op::kOpen), 1u);
  EXPECT_EQ(inject.calls(Op::kWrite), 3u);
  EXPECT_EQ(inject.calls(Op::kSync), 1u);

  inject.fail(Op::kRename, 1, EIO);
  EXPECT_EQ(fs::rename(dir.sub("a").c_str(), dir.sub("b").c_str()), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_TRUE(std::filesystem::exists(dir.sub("a")));
  EXPECT_EQ(fs::rename(dir.sub("a").c_str(), dir.sub("b").c_str()), 0);
  EXPECT_EQ(inject.calls(Op::kRename), 2u);
}

TEST(FsSeam, InjectorsNestAndCallsRunUntouchedWithoutOne) {
  const osier::testing::TempDir dir;
  {
    FaultInjector outer;
    {
      FaultInjector inner;
      inner.fail(Op::kMkdir, 1, EIO);
      EXPECT_EQ(fs::mkdir(dir.sub("d").c_str(), 0700), -1);
      EXPECT_EQ(outer.calls(Op::kMkdir), 0u);  // the inner one saw it
    }
    EXPECT_EQ(fs::mkdir(dir.sub("d").c_str(), 0700), 0);
    EXPECT_EQ(outer.calls(Op::kMkdir), 1u);
  }
  EXPECT_EQ(set_interceptor(nullptr), nullptr);  // all removed
  EXPECT_EQ(fs::unlink(dir.sub("missing").c_str()), -1);
  EXPECT_EQ(errno, ENOENT);
}

}  // namespace
}  // namespace osier::fs
