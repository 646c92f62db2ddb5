// WILLIAM3 labels, subtrees and the incremental hasher.
// spec: bab#tree, bab#instantiations_william
#include "crypto/william3.hpp"

#include <algorithm>
#include <bit>
#include <iterator>
#include <new>
#include <type_traits>

#include "crypto/william3_impl.hpp"

namespace osier::crypto {
namespace w3 {

void ChunkState::init(const Cv& key, std::uint8_t base_flags) {
  cv = key;
  buf_len = 0;
  blocks_compressed = 0;
  flags = base_flags;
}

void ChunkState::update(const std::uint8_t* input, std::size_t len) {
  const Backend& be = active_backend();
  while (len > 0) {
    if (buf_len == kBlockLen) {
      // A full buffered block is compressed only once we know it is not the chunk's last.
      std::uint8_t f = flags | (blocks_compressed == 0 ? kChunkStart : 0);
      be.compress_in_place(cv.data(), buf, kBlockLen, 0, f);
      ++blocks_compressed;
      buf_len = 0;
    }
    std::size_t take = std::min<std::size_t>(kBlockLen - buf_len, len);
    std::memcpy(buf + buf_len, input, take);
    buf_len = static_cast<std::uint8_t>(buf_len + take);
    input += take;
    len -= take;
  }
}

Cv ChunkState::output(bool is_root) const {
  Cv out = cv;
  std::uint8_t block[kBlockLen] = {};
  std::memcpy(block, buf, buf_len);
  std::uint8_t f =
      flags | kChunkEnd | (blocks_compressed == 0 ? kChunkStart : 0) | (is_root ? kRoot : 0);
  // WILLIAM3 labels chunks with t = 0, whatever their index.
  active_backend().compress_in_place(out.data(), block, buf_len, 0, f);
  return out;
}

Cv chunk_cv(const std::uint8_t* chunk, std::size_t len, const Cv& key, std::uint8_t base_flags,
            bool is_root) {
  // Compresses straight from the input; only a partial last block needs a padded copy.
  const CompressInPlaceFn compress = active_backend().compress_in_place;
  Cv cv = key;
  std::uint8_t start = kChunkStart;
  for (; len > kBlockLen; len -= kBlockLen, chunk += kBlockLen) {
    compress(cv.data(), chunk, kBlockLen, 0, base_flags | start);
    start = 0;
  }
  // WILLIAM3 labels chunks with t = 0, whatever their index.
  const std::uint8_t flags = base_flags | start | kChunkEnd | (is_root ? kRoot : 0);
  if (len == kBlockLen) {
    compress(cv.data(), chunk, kBlockLen, 0, flags);
  } else {
    std::uint8_t last[kBlockLen] = {};
    if (len > 0) std::memcpy(last, chunk, len);
    compress(cv.data(), last, static_cast<std::uint8_t>(len), 0, flags);
  }
  return cv;
}

Cv parent_cv(const Cv& left, const Cv& right, std::uint64_t len, const Cv& key,
             std::uint8_t base_flags, bool is_root) {
  std::uint8_t block[kBlockLen];
  store_cv(block, left);
  store_cv(block + 32, right);
  Cv out = key;
  // WILLIAM3 labels inner nodes with t = the number of bytes they cover.
  active_backend().compress_in_place(out.data(), block, kBlockLen, len,
                                     base_flags | kParent | (is_root ? kRoot : 0));
  return out;
}

namespace {

// Subtrees up to this many chunks are hashed level by level in two fixed buffers; larger
// ones are split recursively, so memory stays bounded whatever the input length.
constexpr std::size_t kBatchChunks = 128;

// Reduces the subtree over input[0, len) (len <= kBatchChunks chunks, len > 1024) level by
// level until `target` (1 or 2) labels remain, written to out.
void reduce_batch(const std::uint8_t* input, std::size_t len, const Cv& key,
                  std::uint8_t base_flags, std::size_t target, Cv* out) {
  const Backend& be = active_backend();
  alignas(64) std::uint8_t bufs[2][kBatchChunks * kOutLen];
  const std::uint8_t* ptrs[kBatchChunks];

  std::size_t full = len / kChunkLen;
  std::size_t n = (len + kChunkLen - 1) / kChunkLen;
  for (std::size_t i = 0; i < full; ++i) ptrs[i] = input + i * kChunkLen;
  be.hash_many(ptrs, full, kBlocksPerChunk, key.data(), 0, base_flags, kChunkStart, kChunkEnd,
               bufs[0]);
  if (full < n) {
    Cv last = chunk_cv(input + full * kChunkLen, len - full * kChunkLen, key, base_flags, false);
    store_cv(bufs[0] + full * kOutLen, last);
  }

  // Pair neighbours level by level; an odd last label moves up unchanged. This builds the
  // same tree as "left subtrees complete and strictly decreasing" (spec: bab#tree).
  std::size_t cur = 0;
  std::uint64_t unit = kChunkLen;  // bytes under each full label of the current level
  while (n > target) {
    std::uint8_t* src = bufs[cur];
    std::uint8_t* dst = bufs[cur ^ 1];
    std::size_t pairs = n / 2;
    // Every pair but possibly the last covers 2 * unit bytes.
    std::size_t full_pairs = pairs;
    std::uint64_t last_pair_len = 2 * unit;
    if (static_cast<std::uint64_t>(pairs) * 2 * unit > len) {
      --full_pairs;
      last_pair_len = len - static_cast<std::uint64_t>(full_pairs) * 2 * unit;
    }
    for (std::size_t i = 0; i < full_pairs; ++i) ptrs[i] = src + 2 * i * kOutLen;
    be.hash_many(ptrs, full_pairs, 1, key.data(), 2 * unit, base_flags | kParent, 0, 0, dst);
    if (full_pairs < pairs) {
      Cv p = parent_cv(load_cv(src + 2 * full_pairs * kOutLen),
                       load_cv(src + (2 * full_pairs + 1) * kOutLen), last_pair_len, key,
                       base_flags, false);
      store_cv(dst + full_pairs * kOutLen, p);
    }
    if (n % 2 == 1) std::memcpy(dst + pairs * kOutLen, src + (n - 1) * kOutLen, kOutLen);
    n = pairs + n % 2;
    unit *= 2;
    cur ^= 1;
  }
  for (std::size_t i = 0; i < target; ++i) out[i] = load_cv(bufs[cur] + i * kOutLen);
}

}  // namespace

void subtree_children(const std::uint8_t* input, std::size_t len, const Cv& key,
                      std::uint8_t base_flags, Cv& left, Cv& right) {
  if (len <= kBatchChunks * kChunkLen) {
    Cv out[2];
    reduce_batch(input, len, key, base_flags, 2, out);
    left = out[0];
    right = out[1];
    return;
  }
  std::size_t l = left_subtree_len(len);
  left = subtree_cv(input, l, key, base_flags);
  right = subtree_cv(input + l, len - l, key, base_flags);
}

Cv subtree_cv(const std::uint8_t* input, std::size_t len, const Cv& key, std::uint8_t base_flags) {
  if (len <= kChunkLen) return chunk_cv(input, len, key, base_flags, false);
  if (len <= kBatchChunks * kChunkLen) {
    Cv out[1];
    reduce_batch(input, len, key, base_flags, 1, out);
    return out[0];
  }
  Cv l, r;
  subtree_children(input, len, key, base_flags, l, r);
  return parent_cv(l, r, len, key, base_flags, false);
}

}  // namespace w3

using namespace w3;

// The hasher's state lives in the bytes the public class reserves (crypto/william3.hpp), so the
// header shows no internals and a hasher costs no allocation.
static_assert(std::is_trivially_copyable_v<HasherState> &&
              std::is_trivially_destructible_v<HasherState>);
static_assert(sizeof(HasherState) <= William3Hasher::kStateBytes &&
              alignof(HasherState) <= William3Hasher::kStateAlign);

HasherState& William3Hasher::state() {
  return *std::launder(reinterpret_cast<HasherState*>(state_));
}
const HasherState& William3Hasher::state() const {
  return *std::launder(reinterpret_cast<const HasherState*>(state_));
}

William3Hasher::William3Hasher() {
  HasherState* s = new (state_) HasherState;
  for (int i = 0; i < 8; ++i) s->key_[i] = kIv[i];
  s->flags_ = 0;
  s->reset();
}

William3Hasher::William3Hasher(const William3Key& key) {
  HasherState* s = new (state_) HasherState;
  s->key_ = load_cv(key.data());
  s->flags_ = kKeyedHash;
  s->reset();
}

void William3Hasher::update(ByteView input) { state().update(input); }
William3Digest William3Hasher::finalize() const { return state().finalize(); }
void William3Hasher::reset() { state().reset(); }
std::uint64_t William3Hasher::length() const { return state().total_len_; }

void HasherState::reset() {
  total_len_ = 0;
  stack_size_ = 0;
  chunk_.init(key_, flags_);
}

void HasherState::merge_stack(std::uint64_t total_chunks) {
  // After merging, the stack holds one label per set bit of total_chunks: the complete
  // subtrees that make up the chunks so far. Merging lazily (only when more input arrives)
  // keeps the last subtree unmerged until we know whether it is the root.
  std::size_t want = static_cast<std::size_t>(std::popcount(total_chunks));
  while (stack_size_ > want) {
    std::uint64_t len = stack_len_bytes_[stack_size_ - 2] + stack_len_bytes_[stack_size_ - 1];
    Cv p = parent_cv(stack_[stack_size_ - 2], stack_[stack_size_ - 1], len, key_, flags_, false);
    stack_size_ -= 2;
    stack_[stack_size_] = p;
    stack_len_bytes_[stack_size_] = len;
    ++stack_size_;
  }
}

void HasherState::push_cv(const Cv& cv, std::uint64_t len, std::uint64_t chunks_before) {
  merge_stack(chunks_before);
  stack_[stack_size_] = cv;
  stack_len_bytes_[stack_size_] = len;
  ++stack_size_;
}

void HasherState::update(ByteView in) {
  const std::uint8_t* input = in.data();
  std::size_t len = in.size();
  if (len == 0) return;

  if (chunk_.len() > 0) {
    std::size_t take = std::min(kChunkLen - chunk_.len(), len);
    chunk_.update(input, take);
    total_len_ += take;
    input += take;
    len -= take;
    if (len == 0) return;
    // The chunk is full and more input follows, so it is not the root.
    Cv cv = chunk_.output(false);
    chunk_.init(key_, flags_);
    push_cv(cv, kChunkLen, total_len_ / kChunkLen - 1);
  }

  while (len > kChunkLen) {
    // The largest power-of-two run of chunks that fits the input and keeps the tree aligned.
    std::uint64_t subtree = std::bit_floor(static_cast<std::uint64_t>(len));
    subtree = std::max<std::uint64_t>(subtree, kChunkLen);
    while (((subtree - 1) & total_len_) != 0) subtree /= 2;
    if (subtree <= kChunkLen) {
      push_cv(chunk_cv(input, kChunkLen, key_, flags_, false), kChunkLen, total_len_ / kChunkLen);
      total_len_ += kChunkLen;
    } else {
      Cv l, r;
      subtree_children(input, subtree, key_, flags_, l, r);
      push_cv(l, subtree / 2, total_len_ / kChunkLen);
      total_len_ += subtree / 2;
      push_cv(r, subtree / 2, total_len_ / kChunkLen);
      total_len_ += subtree / 2;
    }
    input += subtree;
    len -= subtree;
  }

  if (len > 0) {
    merge_stack(total_len_ / kChunkLen);
    chunk_.update(input, len);
    total_len_ += len;
  }
}

William3Digest HasherState::finalize() const {
  William3Digest out;
  if (stack_size_ == 0) {
    store_cv(out.data(), chunk_.output(true));
    return out;
  }
  Cv node;
  std::uint64_t node_len;
  std::size_t i = stack_size_;
  if (chunk_.len() > 0) {
    node = chunk_.output(false);
    node_len = chunk_.len();
  } else {
    --i;
    node = stack_[i];
    node_len = stack_len_bytes_[i];
  }
  while (i > 0) {
    --i;
    node_len += stack_len_bytes_[i];
    node = parent_cv(stack_[i], node, node_len, key_, flags_, i == 0);
  }
  store_cv(out.data(), node);
  return out;
}

namespace {

// The whole input at once needs no hasher state: the root is one chunk or the parent of
// the two subtrees.
William3Digest one_shot(const Cv& key, std::uint8_t flags, ByteView input) {
  Cv root;
  if (input.size() <= kChunkLen) {
    root = chunk_cv(input.data(), input.size(), key, flags, true);
  } else {
    Cv l, r;
    subtree_children(input.data(), input.size(), key, flags, l, r);
    root = parent_cv(l, r, input.size(), key, flags, true);
  }
  William3Digest out;
  store_cv(out.data(), root);
  return out;
}

}  // namespace

William3Digest william3(ByteView input) {
  Cv iv;
  std::copy(std::begin(kIv), std::end(kIv), iv.begin());
  return one_shot(iv, 0, input);
}

William3Digest william3_keyed(const William3Key& key, ByteView input) {
  return one_shot(load_cv(key.data()), kKeyedHash, input);
}

}  // namespace osier::crypto
