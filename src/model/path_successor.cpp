#include "model/path_successor.hpp"

#include <algorithm>

namespace osier::model {
namespace {

// The least byte string strictly greater than `s` (bytewise order, a proper prefix first) of
// length at most `max_length`; nullopt when `s` is the greatest such string.
// REQUIRES: s.size() <= max_length
std::optional<Bytes> bytestring_successor(ByteView s, std::size_t max_length) {
  Bytes out(s.begin(), s.end());
  if (s.size() < max_length) {  // appending the least byte gives the least extension
    out.push_back(0);
    return out;
  }
  // No room to extend: increment the last byte that can be incremented and drop what follows.
  while (!out.empty() && out.back() == 0xff) out.pop_back();
  if (out.empty()) return std::nullopt;
  ++out.back();
  return out;
}

}  // namespace

std::optional<PathStep> path_successor(std::span<const ByteView> components,
                                       const PathLimits& limits) {
  // Appending an empty component gives the least extension, and every path greater than this
  // one is either an extension of it or greater than all its extensions.
  if (components.size() < limits.max_component_count) return PathStep{components.size(), Bytes{}};
  return path_greater_but_not_prefixed(components, limits);
}

std::optional<PathStep> path_greater_but_not_prefixed(std::span<const ByteView> components,
                                                      const PathLimits& limits) {
  // Such a path first differs from this one at some component i, where it is greater. The
  // least one keeps the most leading components (the greatest i that admits a greater
  // component), takes the least greater component there, and ends.
  std::size_t before = 0;  // total length of components[0..i)
  for (ByteView c : components) before += c.size();
  for (std::size_t i = components.size(); i-- > 0;) {
    before -= components[i].size();
    const std::size_t room = std::min(limits.max_component_length, limits.max_path_length - before);
    if (std::optional<Bytes> next = bytestring_successor(components[i], room)) {
      return PathStep{i, std::move(*next)};
    }
  }
  return std::nullopt;
}

}  // namespace osier::model
