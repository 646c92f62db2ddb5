// GrowingOutboards (store/growing_outboards.hpp): an outboard fed a payload's bytes from 0 to
// the end, in any pieces, is byte for byte the payload's outboard; any break in continuity, a
// wrong digest or too many payloads at once leaves no outboard (the store then rebuilds it from
// the file), and no staging file stays behind.
#include "store/growing_outboards.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "osier/crypto/bab_outboard.hpp"
#include "support/temp_dir.hpp"

namespace osier::store {
namespace {

class GrowingOutboardsTest : public ::testing::Test {
 protected:
  // A random payload of `length` bytes and its key (digest ‖ length).
  static std::pair<Bytes, PayloadKey> payload(std::size_t length, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    Bytes bytes(length);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const crypto::BabOutboard ob = crypto::bab_outboard(bytes).value();
    model::Entry e;
    std::copy(ob.digest.begin(), ob.digest.end(), e.payload_digest.begin());
    e.payload_length = length;
    return {bytes, payload_key(e)};
  }
  static Bytes read_all(const std::string& path) {
    const File f = File::open_read(path).value();
    Bytes b(f.size());
    EXPECT_TRUE(f.read(0, b));
    return b;
  }
  std::size_t staged_files() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(staging_.dir())) {
      n += e.path().filename() != "lock" ? 1 : 0;
    }
    return n;
  }

  testing::TempDir dir_;
  StagingArea staging_ = StagingArea::create(dir_.path()).value();
  GrowingOutboards growing_;
};

TEST_F(GrowingOutboardsTest, BytesFedInPiecesMakeThePayloadsOutboard) {
  for (const std::size_t length : {std::size_t{1}, std::size_t{1024}, std::size_t{1025},
                                   std::size_t{70'000}, std::size_t{300'001}}) {
    auto [bytes, key] = payload(length, length);
    std::mt19937_64 rng(length);
    for (std::size_t at = 0; at < length;) {
      const std::size_t n = std::min<std::size_t>(length - at, 1 + rng() % 40'000);
      growing_.feed(key, at, ByteView(bytes).subspan(at, n), staging_);
      at += n;
    }
    const std::optional<std::string> built = growing_.finish(key, length);
    ASSERT_TRUE(built) << length;
    EXPECT_EQ(read_all(*built), crypto::bab_outboard(bytes).value().pairs) << length;
    std::filesystem::remove(*built);
  }
  EXPECT_EQ(staged_files(), 0u);
}

TEST_F(GrowingOutboardsTest, AGapOrARepeatLeavesNone) {
  auto [bytes, key] = payload(100'000, 1);
  growing_.feed(key, 0, ByteView(bytes).first(30'000), staging_);
  growing_.feed(key, 40'000, ByteView(bytes).subspan(40'000), staging_);  // a gap: dropped
  EXPECT_FALSE(growing_.finish(key, 100'000));
  growing_.feed(key, 0, ByteView(bytes).first(30'000), staging_);
  growing_.feed(key, 20'000, ByteView(bytes).subspan(20'000), staging_);  // overlaps: dropped
  EXPECT_FALSE(growing_.finish(key, 100'000));
  // A restart from 0 replaces what was fed.
  growing_.feed(key, 0, ByteView(bytes).first(30'000), staging_);
  growing_.feed(key, 0, ByteView(bytes).first(50'000), staging_);
  growing_.feed(key, 50'000, ByteView(bytes).subspan(50'000), staging_);
  const auto built = growing_.finish(key, 100'000);
  ASSERT_TRUE(built);
  std::filesystem::remove(*built);
  EXPECT_EQ(staged_files(), 0u);
}

TEST_F(GrowingOutboardsTest, BytesOfAnotherPayloadOrTooFewLeaveNone) {
  auto [bytes, key] = payload(50'000, 2);
  auto [other, other_key] = payload(50'000, 3);
  growing_.feed(key, 0, other, staging_);  // not this digest's bytes
  EXPECT_FALSE(growing_.finish(key, 50'000));
  growing_.feed(key, 0, ByteView(bytes).first(49'000), staging_);
  EXPECT_FALSE(growing_.finish(key, 50'000));        // complete, says the caller; not fed so
  EXPECT_FALSE(growing_.finish(other_key, 50'000));  // never fed
  EXPECT_EQ(staged_files(), 0u);
}

TEST_F(GrowingOutboardsTest, TheLeastRecentlyFedGoesPastTheLimit) {
  std::vector<std::pair<Bytes, PayloadKey>> payloads;
  for (std::size_t i = 0; i <= GrowingOutboards::kMax; ++i)
    payloads.push_back(payload(5'000, 10 + i));
  for (auto& [bytes, key] : payloads) growing_.feed(key, 0, ByteView(bytes).first(1'000), staging_);
  EXPECT_EQ(staged_files(), GrowingOutboards::kMax);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    auto& [bytes, key] = payloads[i];
    growing_.feed(key, 1'000, ByteView(bytes).subspan(1'000), staging_);
    const auto built = growing_.finish(key, 5'000);
    EXPECT_EQ(built.has_value(), i != 0) << i;  // the first was fed least recently: gone
    if (built) std::filesystem::remove(*built);
  }
  growing_.feed(payloads[0].second, 0, payloads[0].first, staging_);
  growing_.clear();
  EXPECT_EQ(staged_files(), 0u);
}

}  // namespace
}  // namespace osier::store
