// Keeps the labels a BabVerifier reports as verified (its label observer) while they can
// still be of use: to describe the frontier of a growing verified prefix
// (crypto/bab_prefix.hpp), or to supply the labels a later slice of the same payload skips
// (spec: bab#left_skip).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/crypto/bab_tree.hpp"

namespace osier::crypto {

class BabLabelCache {
 public:
  void add(BabNode n, const BabLabel& label) { labels_[{n.first_chunk, n.chunk_count}] = label; }
  // An observer for BabVerifier::set_label_observer that adds to this cache (which must
  // outlive the verifier's use of it).
  BabVerifier::LabelObserver observer() {
    return [this](BabNode n, const BabLabel& l) { add(n, l); };
  }

  std::optional<BabLabel> find(BabNode n) const;
  // The frontier's labels (bab_frontier order) for `held_chunks` held, if all were reported.
  std::optional<std::vector<BabLabel>> frontier(const BabGeometry& geo,
                                                std::uint64_t held_chunks) const;
  // Forgets the labels that are of no more use once the chunks before `position` are done
  // with: keeps those of nodes starting at `position` or later and those of the children of
  // the ancestors of chunk position - 1 (which later slices' left skips may need).
  void prune(const BabGeometry& geo, std::uint64_t position);
  std::size_t size() const { return labels_.size(); }
  void clear() { labels_.clear(); }

 private:
  std::map<std::pair<std::uint64_t, std::uint64_t>, BabLabel> labels_;
};

}  // namespace osier::crypto
