#include "sync/open_ranges.hpp"

#include <compare>
#include <utility>

namespace osier::sync {
namespace {

// The parts of `a` outside `inside` (which `a` includes), as ranges of one dimension.
template <typename T>
std::vector<model::Range<T>> outside(const model::Range<T>& a, const model::Range<T>& inside) {
  std::vector<model::Range<T>> out;
  if (a.start < inside.start) out.push_back(model::Range<T>{a.start, inside.start});
  if (inside.end && (!a.end || *inside.end < *a.end)) {
    out.push_back(model::Range<T>{*inside.end, a.end});
  }
  return out;
}

// Three-way comparison of one dimension's bounds; an open end sorts after every closed one.
template <typename T>
std::weak_ordering compare(const model::Range<T>& a, const model::Range<T>& b) {
  if (a.start < b.start) return std::weak_ordering::less;
  if (b.start < a.start) return std::weak_ordering::greater;
  if (a.end.has_value() != b.end.has_value()) {
    return a.end ? std::weak_ordering::less : std::weak_ordering::greater;
  }
  if (!a.end) return std::weak_ordering::equivalent;
  if (*a.end < *b.end) return std::weak_ordering::less;
  if (*b.end < *a.end) return std::weak_ordering::greater;
  return std::weak_ordering::equivalent;
}

}  // namespace

std::vector<model::D3Range> subtract_d3_range(const model::D3Range& a, const model::D3Range& b) {
  if (a.is_empty()) return {};
  const std::optional<model::D3Range> inter = a.intersection(b);
  if (!inter) return {a};
  std::vector<model::D3Range> out;
  model::D3Range rest = a;
  for (const auto& s : outside(a.subspaces, inter->subspaces)) {
    out.push_back(model::D3Range{s, rest.paths, rest.times});
  }
  rest.subspaces = inter->subspaces;
  for (const auto& p : outside(a.paths, inter->paths)) {
    out.push_back(model::D3Range{rest.subspaces, p, rest.times});
  }
  rest.paths = inter->paths;
  for (const auto& t : outside(a.times, inter->times)) {
    out.push_back(model::D3Range{rest.subspaces, rest.paths, t});
  }
  return out;
}

std::size_t paths_bytes(const model::PathRange& paths) {
  const auto bytes = [](const model::Path& path) {
    return path.total_length() + path.component_count() * sizeof(std::size_t);
  };
  return bytes(paths.start) + (paths.end ? bytes(*paths.end) : 0);
}

std::size_t range_bytes(const model::D3Range& range) {
  return sizeof(model::D3Range) + paths_bytes(range.paths);
}

bool D3RangeLess::operator()(const model::D3Range& a, const model::D3Range& b) const {
  if (auto c = compare(a.subspaces, b.subspaces); c != 0) return c < 0;
  if (auto c = compare(a.paths, b.paths); c != 0) return c < 0;
  return compare(a.times, b.times) < 0;
}

bool RangeMultiset::remove(const model::D3Range& range) {
  auto it = counts_.find(range);
  if (it == counts_.end()) return false;
  if (--it->second == 0) counts_.erase(it);
  --size_;
  return true;
}

OpenRanges::Path OpenRanges::descend(const model::D3Range& range) const {
  Path path;
  // The forest's roots are many (the ranges we split whose parent range was the peer's), so the
  // scan of that level starts where the last query found its range: the peer answers in about the
  // order we sent (breadth first), or the newest first (a pacing Betty: depth first), and either
  // way the next answer is usually near the last one.
  std::uint32_t next = kNone;
  const std::size_t n = top_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (top_hint_ + k) % n;
    if (nodes_[top_[i]].range.includes_range(range)) {
      next = top_[i];
      top_hint_ = i;
      break;
    }
  }
  if (next == kNone) return path;
  path.deepest = next;
  if (nodes_[next].open) path.deepest_open = next;
  const std::vector<std::uint32_t>* level = &nodes_[next].children;
  for (;;) {
    next = kNone;
    for (const std::uint32_t child : *level) {
      if (nodes_[child].range.includes_range(range)) {
        next = child;
        break;
      }
    }
    if (next == kNone) return path;
    path.deepest = next;
    if (nodes_[next].open) path.deepest_open = next;
    level = &nodes_[next].children;
  }
}

std::uint32_t OpenRanges::make_node(const model::D3Range& range, std::uint32_t parent, bool open) {
  std::uint32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& node = nodes_[n];
  node.range = range;
  node.uncovered.clear();
  node.open = open;
  node.parent = parent;
  node.children.clear();
  bytes_ += node_bytes(node.range);
  if (open) {
    set_uncovered(n, {range});
    ++open_;
  }
  children_of(parent).push_back(n);
  return n;
}

void OpenRanges::set_uncovered(std::uint32_t n, std::vector<model::D3Range> boxes) {
  for (const auto& box : nodes_[n].uncovered) bytes_ -= range_bytes(box);
  for (const auto& box : boxes) bytes_ += range_bytes(box);
  boxes_ = boxes_ - nodes_[n].uncovered.size() + boxes.size();
  nodes_[n].uncovered = std::move(boxes);
}

void OpenRanges::add(const model::D3Range& range) {
  make_node(range, descend(range).deepest, /*open=*/true);
}

void OpenRanges::add_split(const model::D3Range& whole, const std::vector<model::D3Range>& parts) {
  const std::uint32_t container = make_node(whole, descend(whole).deepest, /*open=*/false);
  for (const auto& part : parts) make_node(part, container, /*open=*/true);
}

void OpenRanges::close(std::uint32_t n) {
  nodes_[n].open = false;
  set_uncovered(n, {});
  --open_;
  // Drop the node, and each container above it that this leaves without children.
  while (n != kNone && !nodes_[n].open && nodes_[n].children.empty()) {
    const std::uint32_t parent = nodes_[n].parent;
    auto& siblings = children_of(parent);
    for (std::size_t i = 0; i < siblings.size(); ++i) {
      if (siblings[i] == n) {
        siblings[i] = siblings.back();
        siblings.pop_back();
        break;
      }
    }
    bytes_ -= node_bytes(nodes_[n].range);
    nodes_[n].range = model::D3Range{};  // a free node holds no paths
    free_.push_back(n);
    n = parent;
  }
}

Result<bool> OpenRanges::cover(const model::D3Range& range, std::size_t max_boxes) {
  const std::uint32_t n = descend(range).deepest_open;
  if (n == kNone) return false;
  std::vector<model::D3Range> left;
  for (const auto& box : nodes_[n].uncovered) {
    for (auto& part : subtract_d3_range(box, range)) left.push_back(std::move(part));
  }
  if (left.size() > max_boxes) {
    return error(ErrorCode::kInvalidArgument, "rbsr: range split into too many pieces");
  }
  if (left.empty()) {
    close(n);
    return true;
  }
  set_uncovered(n, std::move(left));
  return false;
}

bool OpenRanges::answer_exactly(const model::D3Range& range) {
  // An open node equal to `range` is the deepest node including it, or a container's open
  // ancestor of equal range (a peer that sent the same range twice): look along the path.
  const Path path = descend(range);
  for (std::uint32_t n = path.deepest; n != kNone; n = nodes_[n].parent) {
    if (!(nodes_[n].range == range)) break;
    if (nodes_[n].open) {
      close(n);
      return true;
    }
  }
  return false;
}

}  // namespace osier::sync
