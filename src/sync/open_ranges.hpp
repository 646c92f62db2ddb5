// The ranges of one RBSR root that we sent fingerprints of and the peer has not yet answered,
// indexed so that each of the peer's messages finds the range it answers in time proportional
// to the nesting depth times the fan-out, not to the number of open ranges.
// spec: rbsr#d3rbsr; completion per root: SPEC-NOTES Sync 15, docs/spec-notes.md "RBSR completion".
//
// What is tracked: a range we sent the fingerprint of is answered by the peer's announcement of
// exactly that range (answer_exactly), or once the peer's fingerprints of sub-ranges of it cover
// it (cover: each received range counts against the smallest open range that includes it; what is
// still uncovered is kept as a list of disjoint boxes).
//
// The index: honest peers only send ranges inside ranges we sent, and we only send ranges inside
// ranges they sent, so the ranges of one root nest or are disjoint. We keep them as a forest by
// inclusion: a new range becomes a child of the deepest node that includes it. A node whose range
// is fully answered but still has children stays as a plain container (not open) so that its
// descendants stay reachable by descent; it is dropped with its last child. A query descends from
// the roots of the forest into the first child that includes the queried range and takes the
// deepest open node on the way. Per level it scans one node's children: about our split factor
// times the peer's. A hostile peer whose ranges overlap without nesting only confuses the tracking
// of its own session (a root completes early or never: the session then ends with an error or
// times out); the work per query stays bounded by the node count.
//
// Memory: per node its range, its uncovered boxes (at most the `max_boxes` passed to cover) and
// its children's indices; node_count() counts open and container nodes, box_count() the boxes and
// bytes() what both hold with their paths, about (the caller bounds all three). The bounds of a
// node or box may be the peer's paths (its ranges, and what is left of ours once it cut them), so
// their count alone bounds nothing: Willow'25 paths reach 4 KiB and 4,096 components.
// Not thread-safe (one per root of one RbsrCore).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/model/range.hpp"

namespace osier::sync {

// What remains of box `a` after removing box `b`: at most six disjoint boxes, none empty.
std::vector<model::D3Range> subtract_d3_range(const model::D3Range& a, const model::D3Range& b);

// A strict weak order on 3d ranges (lexicographic over the six bounds; an open end sorts last),
// for ranges as map keys. Not an order of inclusion.
struct D3RangeLess {
  bool operator()(const model::D3Range& a, const model::D3Range& b) const;
};

// A multiset of 3d ranges with exact-match removal in O(log n) (our announcements that want a
// response, answered by the peer's announcement of the same range).
class RangeMultiset {
 public:
  void add(const model::D3Range& range) {
    ++counts_[range];
    ++size_;
  }
  // Removes one copy of `range`; false if none was held.
  bool remove(const model::D3Range& range);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::map<model::D3Range, std::size_t, D3RangeLess> counts_;
  std::size_t size_ = 0;
};

// What a path range held in memory costs, about: its paths' bytes and 8 per component, an
// overestimate (a path holds 4 bytes per component besides its bytes, shared between copies).
std::size_t paths_bytes(const model::PathRange& paths);
// What a 3d range held in memory costs, about: the record and paths_bytes of its paths.
std::size_t range_bytes(const model::D3Range& range);

// What one OpenRanges holds (its owner sums these across roots).
struct OpenTally {
  std::size_t nodes = 0;  // open and container nodes
  std::size_t boxes = 0;  // uncovered boxes
  std::size_t bytes = 0;  // the nodes and boxes with their paths (range_bytes), about
};

class OpenRanges {
 public:
  // A range we sent the fingerprint of.
  void add(const model::D3Range& range);
  // The parts of our split of `whole` (a range of the peer's; parts.size() >= 2, inside it), each
  // a range we sent the fingerprint of. They are kept under one container node of `whole`, so
  // that a level of the forest holds about one node per split instead of split_factor: the
  // forest's roots are scanned on every add and every miss.
  void add_split(const model::D3Range& whole, const std::vector<model::D3Range>& parts);
  // Counts the peer's fingerprint range `range` against the smallest open range including it.
  // Returns whether that closed an open range (fully covered now). A range no open range
  // includes answers nothing we track (stale or redundant): false, no change. Error
  // (kInvalidArgument) when the remainder would need more than `max_boxes` boxes.
  Result<bool> cover(const model::D3Range& range, std::size_t max_boxes);
  // The peer announced exactly `range`: closes an open range equal to it. Returns whether one was.
  bool answer_exactly(const model::D3Range& range);

  std::size_t open_count() const { return open_; }
  bool empty() const { return open_ == 0; }
  // Open and container nodes (the memory held).
  std::size_t node_count() const { return nodes_.size() - free_.size(); }
  // The uncovered boxes of the open ranges (one per range until the peer's fingerprints cut it).
  std::size_t box_count() const { return boxes_; }
  // The nodes and boxes with their paths, about (range_bytes each, and a node's record).
  std::size_t bytes() const { return bytes_; }
  OpenTally tally() const { return OpenTally{node_count(), box_count(), bytes()}; }
  // What add_split(whole, parts) adds to bytes(): container_bytes(whole) and part_bytes of each
  // part.
  static std::size_t container_bytes(const model::D3Range& whole) { return node_bytes(whole); }
  static std::size_t part_bytes(const model::D3Range& part) {
    return node_bytes(part) + range_bytes(part);
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  struct Node {
    model::D3Range range;
    std::vector<model::D3Range> uncovered;  // empty once answered
    bool open = false;
    std::uint32_t parent = kNone;
    std::vector<std::uint32_t> children;
  };
  struct Path {
    std::uint32_t deepest = kNone;       // the deepest node including the range
    std::uint32_t deepest_open = kNone;  // the deepest open node on the way there
  };

  Path descend(const model::D3Range& range) const;
  // A new node of `range` under `parent` (kNone: a root of the forest); open or a container.
  std::uint32_t make_node(const model::D3Range& range, std::uint32_t parent, bool open);
  // Marks `n` answered and drops it and every container ancestor left without children.
  void close(std::uint32_t n);
  std::vector<std::uint32_t>& children_of(std::uint32_t n) {
    return n == kNone ? top_ : nodes_[n].children;
  }

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> free_;   // indices of dropped nodes, for reuse
  std::vector<std::uint32_t> top_;    // the forest's roots
  mutable std::size_t top_hint_ = 0;  // where in top_ the last descend found its range
  // What a node holds besides its boxes: the record, its index among its parent's children, and
  // its range's paths.
  static std::size_t node_bytes(const model::D3Range& range) {
    return sizeof(Node) + sizeof(std::uint32_t) + paths_bytes(range.paths);
  }
  // Sets `n`'s uncovered boxes, keeping boxes_ and bytes_.
  void set_uncovered(std::uint32_t n, std::vector<model::D3Range> boxes);

  std::size_t open_ = 0;
  std::size_t boxes_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace osier::sync
