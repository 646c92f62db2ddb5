// BufferedFileReader (store/payload_files.hpp): every read through the window returns exactly the
// file's bytes, whatever the window's size and however reads jump around (forwards, backwards,
// straddling the window's end, larger than the window); a file shorter than a read is kCorrupt.
#include "store/payload_files.hpp"

#include <gtest/gtest.h>

#include <random>

#include "support/temp_dir.hpp"

namespace osier::store {
namespace {

class BufferedFileReaderTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(7);
    bytes_.resize(200'000);
    for (auto& b : bytes_) b = static_cast<std::uint8_t>(rng());
    path_ = dir_.path() + "/data";
    auto f = File::create(path_).value();
    ASSERT_TRUE(f.append(bytes_));
    ASSERT_TRUE(f.close());
  }

  testing::TempDir dir_;
  std::string path_;
  Bytes bytes_;
};

TEST_P(BufferedFileReaderTest, ReadsTheFilesBytesWhereverReadsGo) {
  const std::size_t window = GetParam();
  const BufferedFileReader reader(File::open_read(path_).value(), window);
  std::mt19937_64 rng(window);
  std::uint64_t at = 0;
  for (int i = 0; i < 3000; ++i) {
    // Mostly small reads moving forwards (a Bab producer), with jumps and large reads mixed in.
    const int kind = static_cast<int>(rng() % 10);
    std::size_t n = kind == 0 ? 1 + rng() % (2 * window) : 1 + rng() % 1100;
    if (kind == 1) at = rng() % bytes_.size();
    if (kind == 2) at = at > 5000 ? at - rng() % 5000 : 0;
    if (at >= bytes_.size()) at = 0;
    n = std::min<std::size_t>(n, bytes_.size() - at);
    Bytes out(n);
    ASSERT_TRUE(reader.read(at, out)) << "read " << n << " at " << at;
    ASSERT_TRUE(
        std::equal(out.begin(), out.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(at)))
        << "read " << n << " at " << at << " through a window of " << window;
    at += n;
  }
  Bytes last(1);
  ASSERT_TRUE(reader.read(bytes_.size() - 1, last));
  EXPECT_EQ(last[0], bytes_.back());
}

TEST_P(BufferedFileReaderTest, AReadPastTheFilesEndIsCorrupt) {
  const std::size_t window = GetParam();
  if (window < 100) GTEST_SKIP() << "reads this large go to the file directly";
  const BufferedFileReader reader(File::open_read(path_).value(), window);
  Bytes out(50);
  ASSERT_TRUE(reader.read(bytes_.size() - 60, out));  // fills the window up to the end
  // Within the window's reach from the same offset, but past the end.
  Bytes more(std::min<std::size_t>(window - 1, 99));
  const Status st = reader.read(bytes_.size() - 10, more);
  EXPECT_EQ(st.code(), ErrorCode::kCorrupt) << st.to_string();
}

INSTANTIATE_TEST_SUITE_P(Windows, BufferedFileReaderTest,
                         ::testing::Values(BufferedFileReader::kOutboardWindow,
                                           BufferedFileReader::kWindow, 1000, 1));

}  // namespace
}  // namespace osier::store
