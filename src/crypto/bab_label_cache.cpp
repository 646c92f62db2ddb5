#include "crypto/bab_label_cache.hpp"

#include <set>

#include "crypto/bab_prefix.hpp"

namespace osier::crypto {

std::optional<BabLabel> BabLabelCache::find(BabNode n) const {
  auto it = labels_.find({n.first_chunk, n.chunk_count});
  if (it == labels_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::vector<BabLabel>> BabLabelCache::frontier(const BabGeometry& geo,
                                                             std::uint64_t held_chunks) const {
  std::vector<BabLabel> out;
  for (const BabNode& n : bab_frontier(geo, held_chunks)) {
    std::optional<BabLabel> l = find(n);
    if (!l) return std::nullopt;
    out.push_back(*l);
  }
  return out;
}

void BabLabelCache::prune(const BabGeometry& geo, std::uint64_t position) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> path_children;
  if (position > 0) {
    const std::uint64_t last = position - 1;
    for (BabNode n = geo.root(); !n.is_leaf();) {
      const BabNode kids[2] = {BabGeometry::left_child(n), BabGeometry::right_child(n)};
      for (const BabNode& k : kids) path_children.insert({k.first_chunk, k.chunk_count});
      n = last < kids[1].first_chunk ? kids[0] : kids[1];
    }
  }
  for (auto it = labels_.begin(); it != labels_.end();) {
    if (it->first.first >= position || path_children.count(it->first) != 0) {
      ++it;
    } else {
      it = labels_.erase(it);
    }
  }
}

}  // namespace osier::crypto
