// AtomicOutput (osier/node/output_file.hpp): a file osier writes appears whole at commit() or not
// at all, and without `overwrite` nothing standing at the target is replaced — also a file that
// appeared there after open() (two `osier get -o out` at once: the second one fails, the first
// one's file stays).
#include "osier/node/output_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.hpp"

namespace osier::node {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

ByteView view_of(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Only the target is left in the directory: no temporary file.
std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicOutput, WritesANewFileWhole) {
  osier::testing::TempDir dir;
  const std::string target = dir.sub("out");
  auto out = AtomicOutput::open(target, false, "--force").value();
  ASSERT_TRUE(out->write(view_of("hello ")));
  EXPECT_FALSE(std::filesystem::exists(target));  // nothing before the commit
  ASSERT_TRUE(out->write(view_of("world")));
  ASSERT_TRUE(out->commit());
  out.reset();
  EXPECT_EQ(read_all(target), "hello world");
  EXPECT_EQ(files_in(dir.path()), 1u);
}

TEST(AtomicOutput, WithoutOverwriteAFileThatAppearedMeanwhileIsKept) {
  osier::testing::TempDir dir;
  const std::string target = dir.sub("out");
  auto out = AtomicOutput::open(target, false, "--force").value();
  ASSERT_TRUE(out->write(view_of("ours")));
  write_text(target, "precious");  // another writer got there first
  const Status st = out->commit();
  EXPECT_FALSE(st);
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(st.message().find("exists now"), std::string::npos) << st.message();
  out.reset();
  EXPECT_EQ(read_all(target), "precious");
  EXPECT_EQ(files_in(dir.path()), 1u);  // our temporary file is gone
}

TEST(AtomicOutput, WithOverwriteAFileThatAppearedMeanwhileIsReplaced) {
  osier::testing::TempDir dir;
  const std::string target = dir.sub("out");
  auto out = AtomicOutput::open(target, true, "--force").value();
  ASSERT_TRUE(out->write(view_of("ours")));
  write_text(target, "older");
  ASSERT_TRUE(out->commit());
  out.reset();
  EXPECT_EQ(read_all(target), "ours");
  EXPECT_EQ(files_in(dir.path()), 1u);
}

TEST(AtomicOutput, AnExistingTargetIsRefusedAtOpenWithoutOverwrite) {
  osier::testing::TempDir dir;
  const std::string target = dir.sub("out");
  write_text(target, "precious");
  const auto out = AtomicOutput::open(target, false, "--force");
  ASSERT_FALSE(out);
  EXPECT_NE(out.status().message().find("--force"), std::string::npos);
  EXPECT_EQ(read_all(target), "precious");
}

}  // namespace
}  // namespace osier::node
