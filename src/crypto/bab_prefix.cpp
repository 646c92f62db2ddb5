#include "crypto/bab_prefix.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace osier::crypto {

namespace {

// Visits the tree as the held/unheld split sees it: `block` and `unheld` for the maximal
// subtrees on either side, left to right.
void split_walk(const BabGeometry& geo, BabNode n, std::uint64_t held,
                const std::function<void(BabNode)>& block,
                const std::function<void(BabNode)>& unheld) {
  if (n.end_chunk() <= held) return block(n);
  if (n.first_chunk >= held) return unheld(n);
  split_walk(geo, BabGeometry::left_child(n), held, block, unheld);
  split_walk(geo, BabGeometry::right_child(n), held, block, unheld);
}

Status mismatch() {
  return error(ErrorCode::kVerification, "payload prefix labels do not hash to the digest");
}

// Computes the label of `n` from the blocks and frontier labels (consumed left to right),
// reporting each straddling node's pair with its post-order index.
class PrefixTree {
 public:
  PrefixTree(const BabGeometry& geo, std::uint64_t held, std::span<const BabLabel> blocks,
             std::span<const BabLabel> frontier, const BabHash& hash,
             std::vector<std::pair<std::uint64_t, ByteArray<64>>>* pairs)
      : geo_(geo), held_(held), blocks_(blocks), frontier_(frontier), hash_(hash), pairs_(pairs) {}

  Result<BabLabel> root_label() {
    OSIER_ASSIGN_OR_RETURN(BabLabel root, label(geo_.root(), 0, true));
    if (next_block_ != blocks_.size() || next_frontier_ != frontier_.size()) return mismatch();
    return root;
  }

 private:
  Result<BabLabel> label(BabNode n, std::uint64_t pair_base, bool is_root) {
    if (n.end_chunk() <= held_) {
      if (next_block_ == blocks_.size()) return mismatch();
      return blocks_[next_block_++];
    }
    if (n.first_chunk >= held_) {
      if (next_frontier_ == frontier_.size()) return mismatch();
      return frontier_[next_frontier_++];
    }
    OSIER_ASSIGN_OR_RETURN(BabLabel l, label(BabGeometry::left_child(n), pair_base, false));
    OSIER_ASSIGN_OR_RETURN(BabLabel r, label(BabGeometry::right_child(n),
                                             BabGeometry::right_base(n, pair_base), false));
    if (pairs_ != nullptr) {
      ByteArray<64> pair;
      std::memcpy(pair.data(), l.data(), 32);
      std::memcpy(pair.data() + 32, r.data(), 32);
      pairs_->emplace_back(BabGeometry::pair_index(n, pair_base), pair);
    }
    return hash_.hash_inner(l, r, geo_.byte_len(n), is_root);
  }

  const BabGeometry& geo_;
  std::uint64_t held_;
  std::span<const BabLabel> blocks_;
  std::span<const BabLabel> frontier_;
  const BabHash& hash_;
  std::vector<std::pair<std::uint64_t, ByteArray<64>>>* pairs_;
  std::size_t next_block_ = 0;
  std::size_t next_frontier_ = 0;
};

Status check_prefix(const BabGeometry& geo, const BabLabel& digest, std::uint64_t held,
                    std::span<const BabLabel> blocks, std::span<const BabLabel> frontier,
                    const BabHash& hash,
                    std::vector<std::pair<std::uint64_t, ByteArray<64>>>* pairs) {
  if (held == 0 || held >= geo.num_chunks()) {
    return error(ErrorCode::kVerification, "a payload prefix must hold some but not all chunks");
  }
  PrefixTree tree(geo, held, blocks, frontier, hash, pairs);
  OSIER_ASSIGN_OR_RETURN(BabLabel root, tree.root_label());
  if (root != digest) return mismatch();
  return Status::ok();
}

}  // namespace

std::vector<BabNode> bab_held_blocks(const BabGeometry& geo, std::uint64_t held_chunks) {
  std::vector<BabNode> out;
  split_walk(
      geo, geo.root(), held_chunks, [&](BabNode n) { out.push_back(n); }, [](BabNode) {});
  return out;
}

std::vector<BabNode> bab_frontier(const BabGeometry& geo, std::uint64_t held_chunks) {
  std::vector<BabNode> out;
  split_walk(
      geo, geo.root(), held_chunks, [](BabNode) {}, [&](BabNode n) { out.push_back(n); });
  return out;
}

Status bab_verify_prefix(const BabGeometry& geo, const BabLabel& digest, std::uint64_t held_chunks,
                         std::span<const BabLabel> blocks, std::span<const BabLabel> frontier,
                         const BabHash& hash) {
  return check_prefix(geo, digest, held_chunks, blocks, frontier, hash, nullptr);
}

Result<BabPrefixOutboard> BabPrefixOutboard::create(const BabGeometry& geo, const BabLabel& digest,
                                                    std::uint64_t held_chunks,
                                                    const RandomReader& held_pairs,
                                                    std::span<const BabLabel> blocks,
                                                    std::span<const BabLabel> frontier,
                                                    const BabHash& hash) {
  BabPrefixOutboard ob(held_pairs,
                       held_chunks - static_cast<std::uint64_t>(std::popcount(held_chunks)));
  OSIER_RETURN_IF_ERROR(
      check_prefix(geo, digest, held_chunks, blocks, frontier, hash, &ob.straddling_));
  return ob;
}

Status BabPrefixOutboard::read(std::uint64_t offset, MutableByteView out) const {
  while (!out.empty()) {
    const std::uint64_t index = offset / 64;
    const std::size_t within = static_cast<std::size_t>(offset % 64);
    const std::size_t n = std::min<std::size_t>(out.size(), 64 - within);
    if (index < held_pair_count_) {
      OSIER_RETURN_IF_ERROR(held_pairs_->read(offset, out.first(n)));
    } else {
      auto it = std::find_if(straddling_.begin(), straddling_.end(),
                             [&](const auto& p) { return p.first == index; });
      if (it == straddling_.end()) {
        return error(ErrorCode::kOutOfRange, "outboard pair of a node beyond the held chunks");
      }
      std::memcpy(out.data(), it->second.data() + within, n);
    }
    offset += n;
    out = out.subspan(n);
  }
  return Status::ok();
}

}  // namespace osier::crypto
