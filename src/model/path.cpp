#include "osier/model/path.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "model/path_successor.hpp"
#include "osier/model/ids.hpp"

namespace osier::model {
namespace {

// Three-way bytewise comparison; a proper prefix sorts first.
std::strong_ordering compare_bytes(ByteView a, ByteView b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 0) {
    const int c = std::memcmp(a.data(), b.data(), n);
    if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  return a.size() <=> b.size();
}

// The index of the first position where a and b differ, or n if they agree on all n.
std::size_t first_difference(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {  // eight bytes at a time; then find the byte within the word
    std::uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) break;
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

bool equal_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

Status limit_error(const char* what, std::size_t value, const char* limit_name, std::size_t limit) {
  return error(ErrorCode::kOutOfRange, std::string(what) + " " + std::to_string(value) +
                                           " exceeds " + limit_name + " (" + std::to_string(limit) +
                                           ")");
}

}  // namespace

Path Path::from_checked(std::span<const ByteView> components) {
  if (components.empty()) return Path{};
  auto rep = std::make_shared<Rep>();
  std::size_t total = 0;
  for (ByteView c : components) total += c.size();
  rep->data.reserve(total);
  rep->ends.reserve(components.size());
  for (ByteView c : components) {
    osier::append(rep->data, c);
    rep->ends.push_back(static_cast<std::uint32_t>(rep->data.size()));
  }
  return Path(std::move(rep), components.size());
}

Result<Path> Path::from_components(std::span<const ByteView> components) {
  if (components.size() > kMaxComponentCount) {
    return limit_error("component count", components.size(), "max_component_count",
                       kMaxComponentCount);
  }
  std::size_t total = 0;
  for (ByteView c : components) {
    if (c.size() > kMaxComponentLength) {
      return limit_error("component length", c.size(), "max_component_length", kMaxComponentLength);
    }
    total += c.size();
  }
  if (total > kMaxPathLength) {
    return limit_error("total path length", total, "max_path_length", kMaxPathLength);
  }
  return from_checked(components);
}

Result<Path> Path::from_strings(std::initializer_list<std::string_view> components) {
  std::vector<ByteView> views;
  views.reserve(components.size());
  for (std::string_view s : components) views.push_back(as_bytes(s));
  return from_components(views);
}

ByteView Path::component(std::size_t i) const {
  const std::size_t b = begin_of(i);
  return ByteView(rep_->data).subspan(b, rep_->ends[i] - b);
}

Path Path::prefix(std::size_t count) const {
  if (count == 0) return Path{};
  return Path(rep_, std::min(count, count_));
}

Result<Path> Path::append(ByteView component) const {
  std::vector<ByteView> parts = components();
  parts.push_back(component);
  return from_components(parts);
}

Result<Path> Path::concat(const Path& suffix) const {
  if (suffix.count_ == 0) return *this;
  if (count_ == 0) return suffix;
  std::vector<ByteView> parts = components();
  for (std::size_t i = 0; i < suffix.count_; ++i) parts.push_back(suffix.component(i));
  return from_components(parts);
}

bool Path::is_prefix_of(const Path& other) const {
  if (count_ > other.count_) return false;
  if (count_ == 0 || rep_ == other.rep_) return true;
  // Both buffers start at offset 0, so equal leading components means equal end offsets and
  // equal leading bytes.
  const std::size_t len = total_length();
  return std::equal(rep_->ends.begin(), rep_->ends.begin() + static_cast<std::ptrdiff_t>(count_),
                    other.rep_->ends.begin()) &&
         equal_bytes(ByteView(rep_->data).first(len), ByteView(other.rep_->data).first(len));
}

std::size_t Path::common_prefix_count(const Path& other) const {
  const std::size_t n = std::min(count_, other.count_);
  if (n > 0 && rep_ == other.rep_) return n;
  std::size_t i = 0;
  while (i < n && equal_bytes(component(i), other.component(i))) ++i;
  return i;
}

Path Path::longest_common_prefix(const Path& other) const {
  return prefix(common_prefix_count(other));
}

std::strong_ordering Path::operator<=>(const Path& other) const {
  const std::size_t n = std::min(count_, other.count_);
  if (n > 0 && rep_ != other.rep_) {
    // Both buffers start at offset 0, so the first differing component is the first one whose
    // end offset differs or that holds the first differing byte — found with two bulk scans
    // instead of one comparison per component.
    const auto& ends = rep_->ends;
    const auto& other_ends = other.rep_->ends;
    const std::size_t first_end_diff = static_cast<std::size_t>(
        std::mismatch(ends.begin(), ends.begin() + static_cast<std::ptrdiff_t>(n),
                      other_ends.begin())
            .first -
        ends.begin());
    const std::size_t bytes = std::min(total_length(), other.total_length());
    const std::size_t first_byte_diff =
        first_difference(rep_->data.data(), other.rep_->data.data(), bytes);
    // The component of this path holding byte first_byte_diff (components before
    // first_end_diff have the same bounds in both paths).
    const std::size_t byte_component = static_cast<std::size_t>(
        std::upper_bound(ends.begin(), ends.begin() + static_cast<std::ptrdiff_t>(n),
                         static_cast<std::uint32_t>(first_byte_diff)) -
        ends.begin());
    const std::size_t k = std::min(first_end_diff, byte_component);
    if (k < n) return compare_bytes(component(k), other.component(k));
  }
  return count_ <=> other.count_;
}

bool Path::operator==(const Path& other) const {
  return count_ == other.count_ && is_prefix_of(other);
}

Path Path::with_step(const PathStep& step) const {
  std::vector<ByteView> parts;
  parts.reserve(step.keep + 1);
  for (std::size_t j = 0; j < step.keep; ++j) parts.push_back(component(j));
  parts.push_back(step.last);
  return from_checked(parts);
}

std::vector<ByteView> Path::components() const {
  std::vector<ByteView> parts;
  parts.reserve(count_);
  for (std::size_t i = 0; i < count_; ++i) parts.push_back(component(i));
  return parts;
}

std::optional<Path> Path::successor() const {
  std::optional<PathStep> step = path_successor(components(), kWillow25PathLimits);
  if (!step) return std::nullopt;
  return with_step(*step);
}

std::optional<Path> Path::greater_but_not_prefixed() const {
  std::optional<PathStep> step = path_greater_but_not_prefixed(components(), kWillow25PathLimits);
  if (!step) return std::nullopt;
  return with_step(*step);
}

std::string Path::to_string() const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < count_; ++i) {
    out.push_back('/');
    const ByteView c = component(i);
    // A component "." or ".." is escaped so it cannot be read as a dot segment.
    const bool dot_segment =
        (c.size() == 1 || c.size() == 2) &&
        std::all_of(c.begin(), c.end(), [](std::uint8_t b) { return b == '.'; });
    for (std::uint8_t b : c) {
      const bool unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                              (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '~' ||
                              (b == '.' && !dot_segment);
      if (unreserved) {
        out.push_back(static_cast<char>(b));
      } else {
        out.push_back('%');
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 0xf]);
      }
    }
  }
  return out;
}

}  // namespace osier::model
