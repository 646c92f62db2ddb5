#include "crypto/bab_verifier.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <iterator>

namespace osier::crypto {

namespace {
Status mismatch(const char* what) {
  return error(ErrorCode::kVerification, std::string("Bab stream does not verify: ") + what);
}
Status internal(const char* what) { return error(ErrorCode::kInternal, what); }
constexpr std::size_t kLeft = 0, kRight = 1;
}  // namespace

BabVerifier::BabVerifier(const BabLabel& digest, const BabStreamOptions& opts, const BabHash& hash,
                         std::uint64_t max_group_bytes)
    : hash_(&hash), digest_(digest), opts_(opts), max_group_bytes_(max_group_bytes) {}

Result<BabVerifier> BabVerifier::create(const BabLabel& digest, const BabStreamOptions& opts,
                                        std::optional<std::uint64_t> length, const BabHash& hash,
                                        std::uint64_t max_group_bytes) {
  BabVerifier v(digest, opts, hash, max_group_bytes);
  if (!opts.has_length_prefix()) {
    if (!length) return error(ErrorCode::kInvalidArgument, "Bab verifier needs the length");
    OSIER_RETURN_IF_ERROR(v.start(*length));
    v.length_verified_ = true;  // trusted from the caller
  }
  return v;
}

std::optional<std::uint64_t> BabVerifier::length() const {
  if (!geo_ || !length_verified_) return std::nullopt;
  return geo_->length();
}

Status BabVerifier::start(std::uint64_t length) {
  OSIER_ASSIGN_OR_RETURN(layout_, bab_layout(opts_, length, *hash_));
  geo_.emplace(length, hash_->chunk_size());
  walker_.emplace(*geo_, layout_);
  slot_[0].label[kLeft] = digest_;
  slot_[0].state[kLeft] = LabelState::kKnown;
  return Status::ok();
}

void BabVerifier::do_release(ByteView bytes, const Release& release) {
  released_ += bytes.size();
  if (release && !bytes.empty()) release(bytes);
}

Status BabVerifier::flush_batch(const Release& release) {
  if (batch_size_ == 0) return Status::ok();
  const std::uint8_t* full[kBatch] = {};
  std::size_t full_idx[kBatch] = {};
  std::size_t nfull = 0;
  const std::uint64_t cs = hash_->chunk_size();
  for (std::size_t i = 0; i < batch_size_; ++i) {
    if (batch_[i].len == cs) {
      full_idx[nfull] = i;
      full[nfull++] = batch_[i].data;
    }
  }
  BabLabel labels[kBatch];
  BabLabel full_labels[kBatch];
  chunk_labels(full, nfull, full_labels);
  for (std::size_t i = 0; i < nfull; ++i) labels[full_idx[i]] = full_labels[i];
  std::size_t n = batch_size_;
  batch_size_ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Pending& p = batch_[i];
    if (p.len != cs) labels[i] = hash_->hash_chunk({p.data, p.len}, false);
    if (labels[i] != p.expected) return mismatch("chunk");
    do_release({p.data, p.len}, release);
  }
  return Status::ok();
}

// Chunk hashing dominates verification and runs fastest with many chunks at once, so the
// chunks wholly inside the piece are found ahead (by walking a copy of the layout) and hashed
// together. Only the hashing moves ahead; every check still happens in stream order.
std::size_t BabVerifier::precompute_chunks(ByteView piece) {
  cache_n_ = cache_pos_ = 0;
  pending_chunk_ = false;
  if (!walker_ || done_) return 0;
  const std::uint64_t cs = hash_->chunk_size();
  BabStreamWalker sim = *walker_;
  BabStreamItem item;
  std::uint64_t pos = 0;
  std::size_t taken = 0;
  bool use_current = have_item_ && !prefix_item_;
  const std::uint8_t* ptrs[kCacheChunks + 1];
  std::size_t n = 0;
  if (have_item_ && !buf_.empty()) {
    // The rest of an item already begun. A chunk completed here joins the batch.
    std::uint64_t rest = need_ - buf_.size();
    if (!prefix_item_ && item_.kind == BabStreamItem::kGroup && item_.node.is_leaf() &&
        item_.depth > 0 && need_ == cs && layout_.fully_in_slice(item_.node) &&
        rest <= piece.size()) {
      taken = static_cast<std::size_t>(rest);
      append(buf_, piece.first(taken));
      pending_chunk_ = true;
      ptrs[n++] = buf_.data();
    }
    pos = rest;
    use_current = false;
  }
  const std::size_t first_cached = n;
  while (pos < piece.size() && n < kCacheChunks) {
    if (use_current) {
      item = item_;
      use_current = false;
    } else if (!sim.next(item)) {
      break;
    }
    if (item.kind == BabStreamItem::kChildren) {
      pos += (item.left == BabLabelMode::kSent ? 32 : 0) +
             (item.right == BabLabelMode::kSent ? 32 : 0);
      continue;
    }
    std::uint64_t len = layout_.group_stream_len(*geo_, item.node, item.depth);
    if (len > piece.size() - pos) break;
    if (layout_.fully_in_slice(item.node) && item.depth > 0) {
      for (std::uint64_t c = 0; c < item.node.chunk_count && n < kCacheChunks; ++c) {
        if ((c + 1) * cs > len) break;  // the payload's short last chunk
        ptrs[n++] = piece.data() + pos + c * cs;
      }
    }
    pos += len;
  }
  BabLabel labels[kCacheChunks + 1];
  hash_->hash_chunks(ptrs, n, labels);
  if (pending_chunk_) pending_label_ = labels[0];
  cache_n_ = n - first_cached;
  for (std::size_t i = 0; i < cache_n_; ++i) {
    cache_ptr_[i] = ptrs[first_cached + i];
    cache_label_[i] = labels[first_cached + i];
  }
  return taken;
}

void BabVerifier::chunk_labels(const std::uint8_t* const* chunks, std::size_t n, BabLabel* out) {
  const std::uint8_t* missing[kBulkChunks];
  std::size_t missing_idx[kBulkChunks];
  std::size_t nmissing = 0;
  const std::less<const std::uint8_t*> before;
  for (std::size_t i = 0; i < n; ++i) {
    while (cache_pos_ < cache_n_ && before(cache_ptr_[cache_pos_], chunks[i])) ++cache_pos_;
    if (cache_pos_ < cache_n_ && cache_ptr_[cache_pos_] == chunks[i]) {
      out[i] = cache_label_[cache_pos_++];
    } else {
      missing_idx[nmissing] = i;
      missing[nmissing++] = chunks[i];
    }
  }
  if (nmissing == 0) return;
  BabLabel labels[kBulkChunks];
  hash_->hash_chunks(missing, nmissing, labels);
  for (std::size_t i = 0; i < nmissing; ++i) out[missing_idx[i]] = labels[i];
}

Status BabVerifier::feed(ByteView piece, const Release& release) {
  OSIER_RETURN_IF_ERROR(failed_);
  std::size_t taken = precompute_chunks(piece);
  Status st = run(piece.subspan(taken), release);
  // Chunks batched before a failure precede it in the stream: release the valid ones.
  Status flushed = flush_batch(release);
  if (!flushed.is_ok()) st = flushed;
  cache_n_ = cache_pos_ = 0;  // the pointers die with the piece
  pending_chunk_ = false;
  if (!st.is_ok()) failed_ = st;
  return st;
}

Status BabVerifier::finish(const Release& release) {
  OSIER_RETURN_IF_ERROR(feed({}, release));
  if (!done_) {
    failed_ = error(ErrorCode::kIncomplete, "Bab stream ended early");
    return failed_;
  }
  return Status::ok();
}

Status BabVerifier::next_item() {
  if (!walker_) {
    prefix_item_ = true;
    need_ = 8;
    have_item_ = true;
    return Status::ok();
  }
  if (!walker_->next(item_)) {
    done_ = true;
    return Status::ok();
  }
  prefix_item_ = false;
  if (item_.depth + 1 >= kMaxDepth) return internal("Bab tree deeper than 64 levels");
  if (item_.kind == BabStreamItem::kChildren) {
    need_ = (item_.left == BabLabelMode::kSent ? 32 : 0) +
            (item_.right == BabLabelMode::kSent ? 32 : 0);
  } else {
    need_ = layout_.group_stream_len(*geo_, item_.node, item_.depth);
    if (need_ > max_group_bytes_) {
      return error(ErrorCode::kOutOfRange,
                   "Bab chunk group larger than the verifier's buffer limit");
    }
  }
  have_item_ = true;
  return Status::ok();
}

Status BabVerifier::run(ByteView piece, const Release& release) {
  while (true) {
    if (!have_item_ && !done_) OSIER_RETURN_IF_ERROR(next_item());
    if (done_) {
      if (!piece.empty()) return error(ErrorCode::kInvalidEncoding, "bytes after the Bab stream");
      return Status::ok();
    }
    if (item_.kind == BabStreamItem::kChildren && !prefix_item_ && buf_.empty()) {
      OSIER_ASSIGN_OR_RETURN(std::size_t used, try_bulk(piece, release));
      if (used > 0) {
        piece = piece.subspan(used);
        have_item_ = false;
        continue;
      }
    }
    ByteView data;
    bool zero_copy = buf_.empty() && piece.size() >= need_;
    if (zero_copy) {
      data = piece.first(static_cast<std::size_t>(need_));
      piece = piece.subspan(static_cast<std::size_t>(need_));
    } else {
      // need_ is capped by max_group_bytes_, so this reservation is bounded.
      if (buf_.empty()) buf_.reserve(static_cast<std::size_t>(need_));
      std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(need_ - buf_.size(), piece.size()));
      append(buf_, piece.first(take));
      piece = piece.subspan(take);
      if (buf_.size() < need_) return Status::ok();
      data = buf_;
    }
    OSIER_RETURN_IF_ERROR(process(data, zero_copy, release));
    buf_.clear();
    have_item_ = false;
  }
}

Status BabVerifier::process(ByteView data, bool zero_copy, const Release& release) {
  if (prefix_item_) {
    // The length is unverified until the first check against the digest succeeds; a false
    // one only changes which bytes are expected where, so verification then fails.
    return start(get_be(data));
  }
  node_[item_.depth] = item_.node;
  is_left_[item_.depth] = item_.is_left;
  if (item_.kind == BabStreamItem::kChildren) return children(data);
  return group(data, zero_copy, release);
}

Result<BabLabel> BabVerifier::child_label(BabNode child, BabLabelMode mode, ByteView data,
                                          std::size_t& pos) {
  if (mode == BabLabelMode::kSkipped) {
    std::optional<BabLabel> known = known_ ? known_(child) : std::nullopt;
    if (!known) return error(ErrorCode::kInvalidArgument, "no known label for a skipped node");
    return *known;
  }
  if (pos + 32 > data.size()) return internal("Bab label read past its item");
  BabLabel l;
  std::memcpy(l.data(), data.data() + pos, 32);
  pos += 32;
  return l;
}

Status BabVerifier::children(ByteView data) {
  const unsigned d = item_.depth;
  const BabNode v = item_.node;
  Slot& own = slot_[d];
  const std::size_t side = item_.is_left ? kLeft : kRight;
  if (own.state[side] == LabelState::kUnverified) return internal("Bab label order broken");
  if (item_.right == BabLabelMode::kOmitted) return internal("Bab right label omitted");

  Slot& kids = slot_[d + 1];
  std::size_t pos = 0;
  const BabLabelMode modes[2] = {item_.left, item_.right};
  const BabNode nodes[2] = {BabGeometry::left_child(v), BabGeometry::right_child(v)};
  for (std::size_t i = 0; i < 2; ++i) {
    if (modes[i] == BabLabelMode::kOmitted) {
      kids.state[i] = LabelState::kUnknown;
      continue;
    }
    OSIER_ASSIGN_OR_RETURN(kids.label[i], child_label(nodes[i], modes[i], data, pos));
    kids.state[i] = LabelState::kUnverified;
  }
  // spec: bab#left_label_omission — with the left label omitted, the right one waits
  // (unverified) until the left subtree's data yields the left label.
  if (kids.state[kLeft] == LabelState::kUnknown) return Status::ok();
  BabLabel candidate =
      hash_->hash_inner(kids.label[kLeft], kids.label[kRight], geo_->byte_len(v), d == 0);
  OSIER_RETURN_IF_ERROR(propagate(d, candidate));
  kids.state[kLeft] = kids.state[kRight] = LabelState::kKnown;
  observe(nodes[kLeft], kids.label[kLeft]);
  observe(nodes[kRight], kids.label[kRight]);
  return Status::ok();
}

// `candidate` was computed for the path node at `depth`. Compares it with that node's label,
// or, where that label was omitted, combines it with the (received) right sibling and goes
// up until a verified label is reached; then everything on the way is verified.
Status BabVerifier::propagate(unsigned depth, BabLabel candidate) {
  unsigned j = depth;
  while (true) {
    Slot& s = slot_[j];
    const std::size_t side = is_left_[j] ? kLeft : kRight;
    if (s.state[side] == LabelState::kKnown) {
      if (s.label[side] != candidate) return mismatch("label");
      break;
    }
    // Only left labels are ever omitted, and their right siblings are sent before them.
    if (side != kLeft || j == 0 || s.state[kLeft] != LabelState::kUnknown ||
        s.state[kRight] == LabelState::kUnknown) {
      return internal("Bab label state broken");
    }
    s.label[kLeft] = candidate;
    const BabNode parent = node_[j - 1];
    candidate = hash_->hash_inner(candidate, s.label[kRight], geo_->byte_len(parent), j - 1 == 0);
    --j;
  }
  for (unsigned i = j + 1; i <= depth; ++i) {
    slot_[i].state[kLeft] = slot_[i].state[kRight] = LabelState::kKnown;
    observe(BabGeometry::left_child(node_[i - 1]), slot_[i].label[kLeft]);
    observe(BabGeometry::right_child(node_[i - 1]), slot_[i].label[kRight]);
  }
  // Every verified label descends from a root check, which binds the length.
  length_verified_ = true;
  return Status::ok();
}

Result<BabLabel> BabVerifier::eval(BabNode n, unsigned depth, bool is_root, ByteView data,
                                   std::size_t& pos) {
  if (layout_.fully_in_slice(n)) {
    std::uint64_t len = geo_->byte_len(n);
    if (len > data.size() - pos) return internal("Bab group read past its item");
    spans_[num_spans_][0] = pos;
    spans_[num_spans_][1] = static_cast<std::size_t>(len);
    ++num_spans_;
    ByteView bytes = data.subspan(pos, static_cast<std::size_t>(len));
    pos += static_cast<std::size_t>(len);
    return hash_->hash_subtree(bytes, is_root);
  }
  BabLabelMode modes[2];
  layout_.child_modes(n, depth, true, modes[kLeft], modes[kRight]);
  const BabNode nodes[2] = {BabGeometry::left_child(n), BabGeometry::right_child(n)};
  BabLabel labels[2];
  std::optional<BabLabel> expect[2];
  for (std::size_t i = 0; i < 2; ++i) {
    if (modes[i] == BabLabelMode::kOmitted) continue;
    OSIER_ASSIGN_OR_RETURN(labels[i], child_label(nodes[i], modes[i], data, pos));
    expect[i] = labels[i];
    if (!layout_.in_slice(nodes[i]) && num_group_labels_ < std::size(group_labels_)) {
      group_labels_[num_group_labels_++] = {nodes[i], labels[i]};
    }
  }
  for (std::size_t i = 0; i < 2; ++i) {
    if (!layout_.in_slice(nodes[i])) continue;
    OSIER_ASSIGN_OR_RETURN(labels[i], eval(nodes[i], depth + 1, false, data, pos));
    // A skipped label of a node in the slice is also recomputed; both must agree.
    if (expect[i] && *expect[i] != labels[i]) return mismatch("skipped label");
  }
  return hash_->hash_inner(labels[kLeft], labels[kRight], geo_->byte_len(n), is_root);
}

// Collects the chunks and sent labels of the subtree of `n` (wholly in the slice, no skips)
// from data[pos...]; false if data ends first.
bool BabVerifier::bulk_parse(BabNode n, unsigned depth, ByteView data, std::size_t& pos) {
  if (layout_.is_grouped(n)) {
    std::uint64_t len = geo_->byte_len(n);
    if (len > data.size() - pos) return false;
    const std::uint64_t cs = hash_->chunk_size();
    for (std::uint64_t c = 0; c < n.chunk_count; ++c)
      bulk_chunk_[bulk_chunks_++] = data.data() + pos + c * cs;
    pos += static_cast<std::size_t>(len);
    return true;
  }
  BabLabelMode modes[2];
  layout_.child_modes(n, depth, false, modes[kLeft], modes[kRight]);
  const BabNode kids[2] = {BabGeometry::left_child(n), BabGeometry::right_child(n)};
  for (std::size_t i = 0; i < 2; ++i) {
    if (modes[i] != BabLabelMode::kSent) continue;
    if (32 > data.size() - pos) return false;
    bulk_sent_[bulk_sent_count_++] = {kids[i], data.data() + pos};
    pos += 32;
  }
  return bulk_parse(kids[kLeft], depth + 1, data, pos) &&
         bulk_parse(kids[kRight], depth + 1, data, pos);
}

const BabLabel& BabVerifier::bulk_label(BabNode n) const {
  unsigned level = BabGeometry::layer(n);
  return bulk_levels_[bulk_level_off_[level] + ((n.first_chunk - bulk_first_) >> level)];
}

// Verifies the subtree of the current kChildren item in one go if its stream data is all in
// `piece`. Returns the bytes consumed (0: not possible, take the item by item path).
Result<std::size_t> BabVerifier::try_bulk(ByteView piece, const Release& release) {
  const BabNode v = item_.node;
  const unsigned d = item_.depth;
  const std::size_t side = item_.is_left ? kLeft : kRight;
  // Skips apply only to the children of nodes above depth max(left_skip, right_skip)
  // (BabLayout::child_modes), so a subtree rooted at or below it has none.
  if (d < layout_.left_skip || d < layout_.right_skip || !layout_.fully_in_slice(v) ||
      v.chunk_count > kBulkChunks || piece.size() < geo_->byte_len(v) ||
      slot_[d].state[side] == LabelState::kUnverified) {
    return std::size_t{0};
  }
  bulk_chunks_ = bulk_sent_count_ = 0;
  std::size_t pos = 0;
  if (!bulk_parse(v, d, piece, pos)) return std::size_t{0};

  // Level 0: the chunks (only the payload's last one may be short).
  const std::uint64_t cs = hash_->chunk_size();
  const std::size_t m = bulk_chunks_;
  const bool short_last = v.end_chunk() == geo_->num_chunks() && geo_->length() % cs != 0;
  const std::size_t full = short_last ? m - 1 : m;
  chunk_labels(bulk_chunk_, full, bulk_levels_);
  if (short_last) {
    bulk_levels_[m - 1] = hash_->hash_chunk({bulk_chunk_[m - 1], geo_->length() % cs}, false);
  }
  // Pair neighbours level by level (an odd last label moves up unchanged); all full pairs
  // of a level cover the same length, so they share one batch.
  bulk_first_ = v.first_chunk;
  const bool is_root = d == 0;
  std::size_t level = 0, n = m, off = 0;
  const std::uint8_t* ptrs[kBulkChunks / 2];
  while (n > (is_root ? 2u : 1u)) {
    std::size_t next_off = off + n, pairs = n / 2;
    std::uint64_t unit = std::uint64_t{1} << (level + 1);  // chunks under a full pair
    std::size_t full_pairs = pairs;
    if (pairs * unit > v.chunk_count || (short_last && pairs * unit == v.chunk_count)) --full_pairs;
    for (std::size_t i = 0; i < full_pairs; ++i) ptrs[i] = bulk_levels_[off + 2 * i].data();
    hash_->hash_inners(ptrs, full_pairs, unit * cs, bulk_levels_ + next_off);
    for (std::size_t i = full_pairs; i < pairs; ++i) {
      BabNode node{v.first_chunk + i * unit,
                   std::min<std::uint64_t>(unit, v.chunk_count - i * unit)};
      bulk_levels_[next_off + i] = hash_->hash_inner(
          bulk_levels_[off + 2 * i], bulk_levels_[off + 2 * i + 1], geo_->byte_len(node), false);
    }
    if (n % 2 == 1) bulk_levels_[next_off + pairs] = bulk_levels_[off + n - 1];
    ++level;
    bulk_level_off_[level] = next_off;
    off = next_off;
    n = pairs + n % 2;
  }
  BabLabel candidate =
      is_root ? hash_->hash_inner(bulk_levels_[off], bulk_levels_[off + 1], geo_->byte_len(v), true)
              : bulk_levels_[off];
  // On a mismatch nothing of the subtree is released: leave it to the item by item path, which
  // releases every chunk before the first bad byte and fails there (a receiver keeps them). The
  // state is as before: propagate() changes nothing but labels still unknown when it fails.
  for (std::size_t i = 0; i < bulk_sent_count_; ++i) {
    if (std::memcmp(bulk_label(bulk_sent_[i].node).data(), bulk_sent_[i].bytes, 32) != 0) {
      return std::size_t{0};
    }
  }
  node_[d] = v;
  is_left_[d] = item_.is_left;
  if (!propagate(d, candidate).is_ok()) return std::size_t{0};
  OSIER_RETURN_IF_ERROR(flush_batch(release));
  // Release the chunks, merging neighbours that are adjacent in the stream.
  std::size_t i = 0;
  while (i < m) {
    const std::uint8_t* start = bulk_chunk_[i];
    std::size_t len = 0;
    std::size_t j = i;
    for (; j < m && bulk_chunk_[j] == start + len; ++j)
      len += (j == m - 1 && short_last) ? geo_->length() % cs : cs;
    do_release({start, len}, release);
    i = j;
  }
  walker_->skip_below(v);
  return pos;
}

Status BabVerifier::group(ByteView data, bool zero_copy, const Release& release) {
  const unsigned d = item_.depth;
  const BabNode g = item_.node;
  Slot& own = slot_[d];
  const std::size_t side = item_.is_left ? kLeft : kRight;
  const bool is_root = d == 0;
  // Single chunks with a verified label wait in a batch (hashed in parallel lanes) while
  // their bytes stay valid, i.e. within this feed call.
  if (zero_copy && g.is_leaf() && !is_root && own.state[side] == LabelState::kKnown &&
      layout_.fully_in_slice(g)) {
    batch_[batch_size_++] = {data.data(), data.size(), own.label[side]};
    if (batch_size_ == kBatch) return flush_batch(release);
    return Status::ok();
  }
  OSIER_RETURN_IF_ERROR(flush_batch(release));
  if (pending_chunk_ && !zero_copy) {
    // The chunk completed at the start of this piece, already hashed with the batch.
    pending_chunk_ = false;
    OSIER_RETURN_IF_ERROR(propagate(d, pending_label_));
    do_release(data, release);
    return Status::ok();
  }
  num_spans_ = 0;
  num_group_labels_ = 0;
  std::size_t pos = 0;
  OSIER_ASSIGN_OR_RETURN(BabLabel candidate, eval(g, d, is_root, data, pos));
  if (pos != data.size()) return internal("Bab group size mismatch");
  OSIER_RETURN_IF_ERROR(propagate(d, candidate));
  for (std::size_t i = 0; i < num_group_labels_; ++i) {
    observe(group_labels_[i].node, group_labels_[i].label);
  }
  for (std::size_t i = 0; i < num_spans_; ++i) {
    do_release(data.subspan(spans_[i][0], spans_[i][1]), release);
  }
  return Status::ok();
}

}  // namespace osier::crypto
