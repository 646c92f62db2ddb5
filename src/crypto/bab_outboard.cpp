#include "osier/crypto/bab_outboard.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "osier/crypto/bab_tree.hpp"

namespace osier::crypto {

std::uint64_t bab_outboard_size(std::uint64_t length, std::uint64_t chunk_size) {
  return 64 * (BabGeometry(length, chunk_size).num_chunks() - 1);
}

BabOutboardBuilder::BabOutboardBuilder(ByteSink sink, const BabHash& hash)
    : sink_(std::move(sink)), hash_(hash), chunk_size_(hash.chunk_size()) {
  buf_.reserve(kBatchChunks * chunk_size_);
  out_.reserve(kOutBuffer);
}

Status BabOutboardBuilder::flush_out() {
  if (out_.empty()) return Status::ok();
  Status st = sink_(out_);
  out_.clear();
  return st;
}

Status BabOutboardBuilder::emit_pair(const BabLabel& left, const BabLabel& right) {
  if (out_.size() + 64 > kOutBuffer) OSIER_RETURN_IF_ERROR(flush_out());
  append(out_, left);
  append(out_, right);
  return Status::ok();
}

Status BabOutboardBuilder::merge() {
  // Merging lazily, only once more chunks arrive, keeps the last subtree open in case it
  // turns out to be the root. After merging, one label per set bit of the chunk count
  // remains; each merge completes an inner node, and those complete in post-order.
  std::size_t want = static_cast<std::size_t>(std::popcount(chunks_pushed_));
  while (stack_size_ > want) {
    const std::size_t l = stack_size_ - 2, r = stack_size_ - 1;
    OSIER_RETURN_IF_ERROR(emit_pair(stack_[l], stack_[r]));
    std::uint64_t plen = stack_len_[l] + stack_len_[r];
    stack_[l] = hash_.hash_inner(stack_[l], stack_[r], plen, false);
    stack_len_[l] = plen;
    --stack_size_;
  }
  return Status::ok();
}

Status BabOutboardBuilder::push(const BabLabel& label, std::uint64_t len, std::uint64_t chunks) {
  OSIER_RETURN_IF_ERROR(merge());
  stack_[stack_size_] = label;
  stack_len_[stack_size_] = len;
  ++stack_size_;
  chunks_pushed_ += chunks;
  return Status::ok();
}

// Emits the pairs of the complete subtree whose top is levels_[level][index], in post-order.
Status BabOutboardBuilder::emit_subtree(std::size_t level, std::size_t index) {
  if (level == 0) return Status::ok();
  OSIER_RETURN_IF_ERROR(emit_subtree(level - 1, 2 * index));
  OSIER_RETURN_IF_ERROR(emit_subtree(level - 1, 2 * index + 1));
  const BabLabel* below = levels_ + kLevelOff[level - 1];
  return emit_pair(below[2 * index], below[2 * index + 1]);
}

Status BabOutboardBuilder::hash_full_chunks(const std::uint8_t* data, std::size_t n) {
  const std::uint8_t* ptrs[kBatchChunks] = {};
  for (std::size_t i = 0; i < n; ++i) ptrs[i] = data + i * chunk_size_;
  hash_.hash_chunks(ptrs, n, levels_);
  if (n < kBatchChunks) {
    for (std::size_t i = 0; i < n; ++i) OSIER_RETURN_IF_ERROR(push(levels_[i], chunk_size_, 1));
    return Status::ok();
  }
  // A whole batch is an aligned complete subtree (batches start at multiples of its size):
  // hash it level by level, each level in one batched call, then emit its pairs.
  for (std::size_t level = 1; level <= kBatchLevels; ++level) {
    std::size_t count = kBatchChunks >> level;
    for (std::size_t i = 0; i < count; ++i) ptrs[i] = levels_[kLevelOff[level - 1] + 2 * i].data();
    hash_.hash_inners(ptrs, count, chunk_size_ << level, levels_ + kLevelOff[level]);
  }
  OSIER_RETURN_IF_ERROR(merge());  // earlier nodes complete before this batch's, in post-order
  OSIER_RETURN_IF_ERROR(emit_subtree(kBatchLevels, 0));
  return push(levels_[kLevelOff[kBatchLevels]], kBatchChunks * chunk_size_, kBatchChunks);
}

Status BabOutboardBuilder::update(ByteView data) {
  OSIER_RETURN_IF_ERROR(failed_);
  const std::size_t batch = kBatchChunks * chunk_size_;
  // A chunk is only hashed once more input follows it: the last chunk may be the root.
  while (!data.empty()) {
    if (buf_.size() == batch) {
      failed_ = hash_full_chunks(buf_.data(), kBatchChunks);
      OSIER_RETURN_IF_ERROR(failed_);
      buf_.clear();
    }
    if (buf_.empty() && data.size() > batch) {
      failed_ = hash_full_chunks(data.data(), kBatchChunks);
      OSIER_RETURN_IF_ERROR(failed_);
      length_ += batch;
      data = data.subspan(batch);
      continue;
    }
    std::size_t take = std::min(batch - buf_.size(), data.size());
    append(buf_, data.first(take));
    length_ += take;
    data = data.subspan(take);
  }
  return Status::ok();
}

Result<BabLabel> BabOutboardBuilder::finish() {
  OSIER_RETURN_IF_ERROR(failed_);
  if (length_ <= chunk_size_) {
    failed_ = error(ErrorCode::kInvalidArgument, "outboard builder already finished");
    return hash_.hash_chunk(buf_, true);
  }
  // All buffered chunks but the last are full.
  std::size_t full = buf_.empty() ? 0 : (buf_.size() - 1) / chunk_size_;
  OSIER_RETURN_IF_ERROR(hash_full_chunks(buf_.data(), full));
  ByteView last = ByteView(buf_).subspan(full * chunk_size_);
  OSIER_RETURN_IF_ERROR(push(hash_.hash_chunk(last, false), last.size(), 1));
  while (stack_size_ > 1) {
    const std::size_t l = stack_size_ - 2, r = stack_size_ - 1;
    OSIER_RETURN_IF_ERROR(emit_pair(stack_[l], stack_[r]));
    std::uint64_t plen = stack_len_[l] + stack_len_[r];
    stack_[l] = hash_.hash_inner(stack_[l], stack_[r], plen, l == 0);
    stack_len_[l] = plen;
    --stack_size_;
  }
  OSIER_RETURN_IF_ERROR(flush_out());
  failed_ = error(ErrorCode::kInvalidArgument, "outboard builder already finished");
  return stack_[0];
}

Result<std::vector<BabLabel>> BabOutboardBuilder::finish_prefix() {
  OSIER_RETURN_IF_ERROR(failed_);
  failed_ = error(ErrorCode::kInvalidArgument, "outboard builder already finished");
  if (length_ == 0 || length_ % chunk_size_ != 0) {
    return error(ErrorCode::kInvalidArgument, "a payload prefix must be whole chunks");
  }
  // Every buffered chunk is full, and none is the root: hash and push them all, then complete
  // the nodes that pairs of equal subtrees make.
  OSIER_RETURN_IF_ERROR(hash_full_chunks(buf_.data(), buf_.size() / chunk_size_));
  buf_.clear();
  OSIER_RETURN_IF_ERROR(merge());
  OSIER_RETURN_IF_ERROR(flush_out());
  return std::vector<BabLabel>(stack_, stack_ + stack_size_);
}

Result<BabOutboard> bab_outboard(ByteView payload, const BabHash& hash) {
  BabOutboard ob;
  ob.length = payload.size();
  ob.pairs.reserve(bab_outboard_size(payload.size(), hash.chunk_size()));
  BabOutboardBuilder b(append_to(ob.pairs), hash);
  OSIER_RETURN_IF_ERROR(b.update(payload));
  OSIER_ASSIGN_OR_RETURN(ob.digest, b.finish());
  return ob;
}

}  // namespace osier::crypto
