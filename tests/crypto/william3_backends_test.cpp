// Every WILLIAM3 backend this CPU runs must compute exactly what the portable one does.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "crypto/william3_impl.hpp"
#include "osier/crypto/william3.hpp"
#include "support/sanitizers.hpp"
#include "support/william3_reference.hpp"

namespace osier::crypto {
namespace {

using namespace w3;
using osier::testing::random_bytes;
using osier::testing::william3_keyed_reference;
using osier::testing::william3_reference;

std::vector<const Backend*> simd_backends() {
  const Backend* all[8];
  std::size_t n = available_backends(all, 8);
  std::vector<const Backend*> out;
  for (std::size_t i = 0; i < n; ++i)
    if (all[i] != &portable_backend()) out.push_back(all[i]);
  return out;
}

// Runs each test with the process's active backend restored afterwards.
class William3Backends : public ::testing::Test {
 protected:
  void TearDown() override { set_active_backend(saved_); }
  const Backend& saved_ = active_backend();
};

TEST_F(William3Backends, PortableComesFirstAndTheFastestIsActive) {
  const Backend* all[8];
  std::size_t n = available_backends(all, 8);
  ASSERT_GE(n, 1u);
  EXPECT_EQ(all[0], &portable_backend());
  for (std::size_t i = 1; i < n; ++i) EXPECT_GT(all[i]->simd_degree, all[i - 1]->simd_degree);
  if (std::getenv("OSIER_WILLIAM3_BACKEND") == nullptr) {
    EXPECT_EQ(&saved_, all[n - 1]);
  }
}

TEST_F(William3Backends, HashManyMatchesPortable) {
  struct Params {
    std::uint64_t t;
    std::uint8_t flags, flags_start, flags_end;
    bool keyed;
  };
  const Params params[] = {
      {0, 0, kChunkStart, kChunkEnd, false},                    // chunks
      {0, kKeyedHash, kChunkStart, kChunkEnd, true},            // keyed chunks
      {2048, kParent, 0, 0, false},                             // parents of two chunks
      {(1ull << 35) + 3072, kParent | kKeyedHash, 0, 0, true},  // t needs both words
      {0xfedcba9876543210ull, 0, kRoot, kChunkEnd, false},      // odd combinations too
  };
  std::mt19937_64 rng(1);
  constexpr std::size_t kMaxInputs = 40;
  for (const Backend* be : simd_backends()) {
    for (std::size_t blocks : {1, 16}) {
      for (const Params& p : params) {
        for (std::size_t n = 1; n <= kMaxInputs; ++n) {
          // Inputs at scattered, unaligned places of one buffer.
          Bytes buf = random_bytes(kMaxInputs * (blocks * kBlockLen + 7), rng());
          std::vector<const std::uint8_t*> inputs(n);
          for (std::size_t i = 0; i < n; ++i)
            inputs[i] = buf.data() + ((i * 13) % kMaxInputs) * (blocks * kBlockLen + 7) + i % 7;
          Cv key = osier::testing::william3_iv();
          if (p.keyed)
            for (auto& w : key) w = static_cast<std::uint32_t>(rng());
          Bytes want(n * kOutLen), got(n * kOutLen + 1, 0xaa);
          portable_backend().hash_many(inputs.data(), n, blocks, key.data(), p.t, p.flags,
                                       p.flags_start, p.flags_end, want.data());
          be->hash_many(inputs.data(), n, blocks, key.data(), p.t, p.flags, p.flags_start,
                        p.flags_end, got.data());
          ASSERT_EQ(got.back(), 0xaa) << be->name << " wrote past its output";
          got.pop_back();
          ASSERT_EQ(got, want) << be->name << " n=" << n << " blocks=" << blocks << " t=" << p.t
                               << " flags=" << int(p.flags);
        }
      }
    }
  }
}

TEST_F(William3Backends, CompressInPlaceMatchesPortable) {
  std::mt19937_64 rng(2);
  for (const Backend* be : simd_backends()) {
    for (int iter = 0; iter < 2000; ++iter) {
      Bytes block = random_bytes(kBlockLen, rng());
      Cv want;
      for (auto& w : want) w = static_cast<std::uint32_t>(rng());
      Cv got = want;
      auto block_len = static_cast<std::uint8_t>(rng() % (kBlockLen + 1));
      std::uint64_t t = rng() >> (rng() % 64);
      auto flags = static_cast<std::uint8_t>(rng());
      portable_backend().compress_in_place(want.data(), block.data(), block_len, t, flags);
      be->compress_in_place(got.data(), block.data(), block_len, t, flags);
      ASSERT_EQ(got, want) << be->name << " iter " << iter;
    }
  }
}

// Lengths around every edge of the tree (blocks, chunks, powers of two of chunks), then
// random ones up to a few MiB.
std::vector<std::size_t> digest_lengths() {
  std::vector<std::size_t> lens = {
      0,    1,    63,   64,    65,    1023,      1024,       1025,           2047,
      2048, 2049, 3073, 16384, 16385, 17 * 1024, 128 * 1024, 128 * 1024 + 1, (1 << 20) + 1};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) {
    std::size_t max = i < 60 ? 64 * 1024 : (i < 95 ? 1 << 20 : 3 << 20);
    const std::size_t len = rng() % max;
    // Under a sanitizer, one in five of the lengths drawn up to 1 or 3 MiB (most of the bytes).
    if (!osier::testing::kUnderSanitizer || i < 60 || i % 5 == 0) lens.push_back(len);
  }
  return lens;
}

William3Digest incremental(const Bytes& in, std::mt19937_64& rng, const William3Key* key) {
  William3Hasher h = key != nullptr ? William3Hasher(*key) : William3Hasher();
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t max = rng() % 3 == 0 ? 100 : (rng() % 2 ? 5000 : 300000);
    std::size_t piece = std::min<std::size_t>(in.size() - pos, rng() % (max + 1));
    h.update(ByteView(in.data() + pos, piece));
    pos += piece;
  }
  return h.finalize();
}

TEST_F(William3Backends, DigestsMatchReference) {
  const std::vector<std::size_t> lens = digest_lengths();
  William3Key key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0x80 + 3 * i);
  const Backend* all[8];
  std::size_t n = available_backends(all, 8);
  for (std::size_t li = 0; li < lens.size(); ++li) {
    Bytes in = random_bytes(lens[li], li);
    const William3Digest want = william3_reference(in);
    const William3Digest want_keyed = william3_keyed_reference(key, in);
    std::mt19937_64 rng(li);
    for (std::size_t b = 0; b < n; ++b) {
      set_active_backend(*all[b]);
      ASSERT_EQ(william3(in), want) << all[b]->name << " len " << in.size();
      ASSERT_EQ(incremental(in, rng, nullptr), want) << all[b]->name << " len " << in.size();
      ASSERT_EQ(william3_keyed(key, in), want_keyed) << all[b]->name << " len " << in.size();
      ASSERT_EQ(incremental(in, rng, &key), want_keyed) << all[b]->name << " len " << in.size();
    }
  }
}

TEST_F(William3Backends, SubtreeLabelsMatchReference) {
  // Bab uses subtree_cv / subtree_children directly, on subtrees that are not the root.
  const Cv iv = osier::testing::william3_iv();
  const Backend* all[8];
  std::size_t n = available_backends(all, 8);
  for (std::size_t len : {1, 1024, 1025, 4096, 5000, 131072, 131073, 300000, 1 << 20}) {
    Bytes in = random_bytes(len, len);
    Cv want = osier::testing::william3_reference_label(in.data(), len, iv, 0, false);
    for (std::size_t b = 0; b < n; ++b) {
      set_active_backend(*all[b]);
      EXPECT_EQ(subtree_cv(in.data(), len, iv, 0), want) << all[b]->name << " len " << len;
      if (len > kChunkLen) {
        Cv l, r;
        subtree_children(in.data(), len, iv, 0, l, r);
        EXPECT_EQ(parent_cv(l, r, len, iv, 0, false), want) << all[b]->name << " len " << len;
      }
    }
  }
}

}  // namespace
}  // namespace osier::crypto
