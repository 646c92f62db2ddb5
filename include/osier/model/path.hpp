// Path: a sequence of byte-string components, within the Willow'25 limits.
//
// Immutable and cheap to copy: all components live in one shared, immutable buffer with their end
// offsets; a Path is that buffer plus how many of its components it uses. Copying a Path copies a
// shared_ptr (no allocation); prefix() shares the buffer.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier::model {

struct PathStep;  // model/path_successor.hpp

// spec: data_model#Path
class Path {
 public:
  Path() = default;  // the empty path

  // Fails with kOutOfRange when a component, the component count or the total length exceeds
  // kMaxComponentLength, kMaxComponentCount or kMaxPathLength; never truncates.
  static Result<Path> from_components(std::span<const ByteView> components);
  static Result<Path> from_strings(std::initializer_list<std::string_view> components);

  std::size_t component_count() const { return count_; }
  // REQUIRES: i < component_count()
  ByteView component(std::size_t i) const;
  // The sum of the component lengths.
  std::size_t total_length() const { return count_ == 0 ? 0 : rep_->ends[count_ - 1]; }

  // The first min(count, component_count()) components; shares the buffer.
  Path prefix(std::size_t count) const;
  // Fails with kOutOfRange when the result would exceed a limit.
  Result<Path> append(ByteView component) const;
  Result<Path> concat(const Path& suffix) const;

  // spec: data_model#path_prefix — also true when the paths are equal.
  bool is_prefix_of(const Path& other) const;
  // The number of components of the longest common prefix.
  std::size_t common_prefix_count(const Path& other) const;
  Path longest_common_prefix(const Path& other) const;

  // Lexicographic by components (each compared bytewise); a proper prefix sorts first.
  std::strong_ordering operator<=>(const Path& other) const;
  bool operator==(const Path& other) const;

  // The least Path (within the limits) strictly greater than this one; nullopt if none exists.
  std::optional<Path> successor() const;
  // The least Path (within the limits) strictly greater than this one that this one is not a
  // prefix of; nullopt if none exists.
  std::optional<Path> greater_but_not_prefixed() const;

  // Human-readable "/comp/comp", as in Willow URIs: "" is the empty path, "/" the path of one
  // empty component. Bytes other than unreserved ASCII (and the dots of a "." or ".."
  // component) are percent-escaped, so distinct paths give distinct strings.
  std::string to_string() const;

  // Views of all components (valid while this Path or a copy of it lives).
  std::vector<ByteView> components() const;

 private:
  struct Rep {
    Bytes data;                       // all components, concatenated
    std::vector<std::uint32_t> ends;  // ends[i] = end offset of component i in data
  };

  Path(std::shared_ptr<const Rep> rep, std::size_t count) : rep_(std::move(rep)), count_(count) {}
  // Builds a path from components already known to be within the limits.
  static Path from_checked(std::span<const ByteView> components);
  // The first step.keep components followed by step.last (known to be within the limits).
  Path with_step(const PathStep& step) const;
  std::size_t begin_of(std::size_t i) const { return i == 0 ? 0 : rep_->ends[i - 1]; }

  std::shared_ptr<const Rep> rep_;  // null for a path that never had components
  std::size_t count_ = 0;
};

}  // namespace osier::model
