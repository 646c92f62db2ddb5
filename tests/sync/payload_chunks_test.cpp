// Payload Chunks (SPEC-NOTES Sync 17) against the Bab light stream crypto/ produces: every
// Chunk's length, its data at its end, and the whole stream as their concatenation.
#include "sync/payload_chunks.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/bab_tree.hpp"

namespace osier::sync {
namespace {

Bytes random_payload(std::size_t n, std::mt19937_64& rng) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

TEST(PayloadChunks, Counts) {
  EXPECT_EQ(payload_chunk_count(0), 1u);
  EXPECT_EQ(payload_chunk_count(1), 1u);
  EXPECT_EQ(payload_chunk_count(1024), 1u);
  EXPECT_EQ(payload_chunk_count(1025), 2u);
  EXPECT_EQ(payload_chunk_count(std::numeric_limits<std::uint64_t>::max()), std::uint64_t{1} << 54);
}

TEST(PayloadChunks, AreTheLightStreamCutBeforeEachDataChunk) {
  std::mt19937_64 rng(17);
  for (std::size_t n : {0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 5 * 1024 + 7, 33 * 1024,
                        64 * 1024 + 1, 100 * 1024 + 3, 257 * 1024}) {
    SCOPED_TRACE("payload length " + std::to_string(n));
    const Bytes payload = random_payload(n, rng);
    auto ob = crypto::bab_outboard(payload);
    ASSERT_TRUE(ob.is_ok());
    crypto::BabStreamOptions opts;
    opts.light = true;
    opts.length_prefix = false;
    auto stream = crypto::bab_stream(opts, payload, *ob);
    ASSERT_TRUE(stream.is_ok()) << stream.status().to_string();

    const std::uint64_t chunks = payload_chunk_count(n);
    std::uint64_t pos = 0;
    std::vector<std::uint64_t> lengths;
    for (std::uint64_t i = 0; i < chunks; ++i) {
      const auto len = payload_chunks_length(n, i, 1);
      ASSERT_TRUE(len.has_value());
      const std::size_t data_begin = i * kPayloadChunkSize;
      const std::size_t data_len = std::min<std::size_t>(kPayloadChunkSize, n - data_begin);
      ASSERT_GE(*len, data_len);
      ASSERT_LE(pos + *len, stream->size());
      // Chunk i ends with data chunk i.
      EXPECT_TRUE(std::equal(payload.begin() + static_cast<std::ptrdiff_t>(data_begin),
                             payload.begin() + static_cast<std::ptrdiff_t>(data_begin + data_len),
                             stream->begin() + static_cast<std::ptrdiff_t>(pos + *len - data_len)))
          << "chunk " << i;
      EXPECT_EQ((*len - data_len) % kPayloadLabelWidth, 0u);
      pos += *len;
      lengths.push_back(*len);
    }
    EXPECT_EQ(pos, stream->size());
    // Runs are the sums of their Chunks.
    for (int k = 0; k < 20; ++k) {
      const std::uint64_t a = rng() % chunks;
      const std::uint64_t c = rng() % (chunks - a + 1);
      std::uint64_t sum = 0;
      for (std::uint64_t i = a; i < a + c; ++i) sum += lengths[i];
      EXPECT_EQ(payload_chunks_length(n, a, c), sum);
    }
  }
}

TEST(PayloadChunks, RunsOutsideThePayloadAndOverflow) {
  EXPECT_EQ(payload_chunks_length(5000, 5, 1), std::nullopt);
  EXPECT_EQ(payload_chunks_length(5000, 2, 4), std::nullopt);
  EXPECT_EQ(payload_chunks_length(5000, 7, 0), 0u);
  EXPECT_EQ(payload_chunks_length(0, 0, 1), 0u);  // the one empty Chunk
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t all = payload_chunk_count(max);
  // The whole stream of the longest payload is longer than 2^64 - 1 bytes; its first Chunk is
  // one data chunk plus the labels of the left spine.
  EXPECT_EQ(payload_chunks_length(max, 0, all), std::nullopt);
  const auto first = payload_chunks_length(max, 0, 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_GT(*first, kPayloadChunkSize);
  EXPECT_LT(*first, kPayloadChunkSize + 2 * 64 * kPayloadLabelWidth);
  // The last Chunk: the labels that lead to it and its short data.
  EXPECT_TRUE(payload_chunks_length(max, all - 1, 1).has_value());
  // Pinned: the first Chunk of the longest payload is the 54 right labels of the left spine, the
  // left labels the light stream keeps on it (layers 0 and 33), and a whole data chunk.
  EXPECT_EQ(first, std::optional<std::uint64_t>(56 * kPayloadLabelWidth + kPayloadChunkSize));
}

// The closed form against the light stream's own length (crypto::BabLayout, computed
// independently) for payloads of every size class up to 2^64 - 1, deep layers included.
TEST(PayloadChunks, AllChunksAreTheWholeLightStream) {
  std::mt19937_64 rng(33);
  std::vector<std::uint64_t> lengths = {
      1, 1024, 1025, 33 * 1024, (std::uint64_t{1} << 40) + 7, (std::uint64_t{1} << 50) - 1};
  for (int i = 0; i < 200; ++i) lengths.push_back(rng() >> (rng() % 64));
  for (const std::uint64_t n : lengths) {
    SCOPED_TRACE(n);
    const crypto::BabGeometry geo(n, kPayloadChunkSize);
    crypto::BabLayout light;
    light.light_period = 33;
    light.slice_end = payload_chunk_count(n);
    const std::uint64_t whole = light.stream_len(geo);
    if (whole < (std::uint64_t{1} << 62)) {
      EXPECT_EQ(payload_chunks_length(n, 0, payload_chunk_count(n)), whole);
    }
  }
}

}  // namespace
}  // namespace osier::sync
