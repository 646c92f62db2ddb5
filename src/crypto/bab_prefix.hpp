// Verified payload prefixes: a store that holds only the first chunks of a payload can still
// serve verifiable slices of them, and check them, if it keeps the labels of the rest.
// spec: bab#slice_verification, bab#slice_streaming
//
// With chunks [0, held) held of a payload of n > held chunks, the tree splits into
//  - the held blocks: the maximal subtrees inside [0, held) — complete subtrees, one per set
//    bit of `held`, left to right; their labels come from the held bytes;
//  - the frontier: the maximal subtrees inside [held, n), left to right — at most one per tree
//    level; their labels come from whoever sent the held chunks (a verifiable stream carries
//    them, and BabVerifier's label observer reports them);
//  - the straddling nodes: the common ancestors of chunks held - 1 and held, whose labels
//    follow from the two sets above, and the topmost of which is the root.
// Blocks and frontier labels that hash up to the payload digest are verified by that alone.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "osier/base/bytes.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/crypto/bab_tree.hpp"

namespace osier::crypto {

// The maximal subtrees inside chunks [0, held), left to right (empty when held is 0; the root
// when held is every chunk).
std::vector<BabNode> bab_held_blocks(const BabGeometry& geo, std::uint64_t held_chunks);
// The maximal subtrees inside chunks [held, num_chunks), left to right.
std::vector<BabNode> bab_frontier(const BabGeometry& geo, std::uint64_t held_chunks);

// OK iff the held blocks' and frontier's labels (in the orders above) hash up to `digest`;
// kVerification otherwise, also for wrong counts of labels or held_chunks out of (0, n).
Status bab_verify_prefix(const BabGeometry& geo, const BabLabel& digest, std::uint64_t held_chunks,
                         std::span<const BabLabel> blocks, std::span<const BabLabel> frontier,
                         const BabHash& hash = william3_bab());

// The outboard (docs/formats.md "Bab outboard") of a payload as far as a holder of chunks
// [0, held) knows it: every pair of a node that intersects the held chunks. Producers of
// slices within the held chunks read only those, so bab_produce_stream works on it unchanged.
class BabPrefixOutboard final : public RandomReader {
 public:
  // `held_pairs` holds the first held - popcount(held) pairs (BabOutboardBuilder::
  // finish_prefix writes them; it also returns `blocks`). Fails with kVerification unless
  // blocks and frontier hash up to `digest`. `held_pairs` must outlive the result.
  // REQUIRES: 0 < held_chunks < geo.num_chunks().
  static Result<BabPrefixOutboard> create(const BabGeometry& geo, const BabLabel& digest,
                                          std::uint64_t held_chunks, const RandomReader& held_pairs,
                                          std::span<const BabLabel> blocks,
                                          std::span<const BabLabel> frontier,
                                          const BabHash& hash = william3_bab());

  Status read(std::uint64_t offset, MutableByteView out) const override;

 private:
  BabPrefixOutboard(const RandomReader& held_pairs, std::uint64_t held_pair_count)
      : held_pairs_(&held_pairs), held_pair_count_(held_pair_count) {}

  const RandomReader* held_pairs_;
  std::uint64_t held_pair_count_;
  // The straddling nodes' pairs by post-order index (at most one per tree level).
  std::vector<std::pair<std::uint64_t, ByteArray<64>>> straddling_;
};

}  // namespace osier::crypto
