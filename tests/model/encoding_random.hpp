// Random values for the encoding property tests: numbers of every compact-U64 width, components
// long enough for multi-byte length tags, and value/reference pairs that satisfy each relative
// encoding's precondition (built so that prefixes and range bounds coincide often).
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model_random.hpp"
#include "osier/model/area.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/model/encoding_private.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"

namespace osier::model::testing {

inline SubspaceId id_filled(std::uint8_t b) {
  SubspaceId id;
  id.fill(b);
  return id;
}

class EncodingRandom {
 public:
  explicit EncodingRandom(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }
  bool coin() { return below(2) == 0; }
  std::uint64_t any_u64() { return rng_(); }

  // A number whose magnitude falls in every compact-U64 width class now and then.
  std::uint64_t number() {
    static constexpr std::uint64_t kEdges[] = {0,
                                               1,
                                               3,
                                               4,
                                               7,
                                               11,
                                               12,
                                               251,
                                               252,
                                               255,
                                               256,
                                               65535,
                                               65536,
                                               0xffffffffULL,
                                               0x100000000ULL,
                                               std::numeric_limits<std::uint64_t>::max()};
    switch (below(4)) {
      case 0:
        return kEdges[below(std::size(kEdges))];
      case 1:
        return below(300);
      case 2:
        return any_u64() >> below(64);
      default:
        return below(20);
    }
  }

  Bytes component() {
    switch (below(8)) {
      case 0:
        return Bytes();
      case 1:
        return Bytes(below(300), static_cast<std::uint8_t>(below(256)));
      case 2: {
        Bytes b(below(6));
        for (auto& x : b) x = static_cast<std::uint8_t>(below(256));
        return b;
      }
      default: {
        static const char* kPool[] = {"a", "b", "ab", "blog", "ideas"};
        std::string s = kPool[below(std::size(kPool))];
        return Bytes(s.begin(), s.end());
      }
    }
  }

  Path path(std::size_t max_components = 4) {
    std::size_t n = below(max_components + 1);
    if (below(40) == 0) n = 12 + below(300);  // component counts beyond the 4-bit tag
    std::vector<Bytes> comps;
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      Bytes c = component();
      if (total + c.size() > kMaxPathLength) break;
      total += c.size();
      comps.push_back(std::move(c));
    }
    std::vector<ByteView> views(comps.begin(), comps.end());
    return Path::from_components(views).value();
  }

  // `base` with up to `max_extra` random components appended (within the limits).
  Path extend(const Path& base, std::size_t max_extra = 3) {
    Path p = base;
    const std::size_t n = below(max_extra + 1);
    for (std::size_t i = 0; i < n; ++i) {
      Result<Path> next = p.append(component());
      if (!next) break;
      p = *next;
    }
    return p;
  }

  // A prefix of `p`.
  Path prefix_of(const Path& p) { return p.prefix(below(p.component_count() + 1)); }

  SubspaceId id() {
    SubspaceId id{};
    switch (below(4)) {
      case 0:
        break;
      case 1:
        id.fill(0xff);
        break;
      case 2:
        for (auto& x : id) x = static_cast<std::uint8_t>(below(256));
        break;
      default:
        id.fill(0x42);
        id.back() = static_cast<std::uint8_t>(below(4));
        break;
    }
    return id;
  }

  Timestamp timestamp() { return number(); }

  Entry entry() { return Entry{id(), id(), path(), timestamp(), number(), id()}; }

  // Valid ranges (closed ones non-empty).
  template <typename T, typename Gen>
  Range<T> range_of(Gen gen) {
    T a = gen();
    if (coin()) return Range<T>{a, std::nullopt};
    T b = gen();
    for (int i = 0; i < 8 && a == b; ++i) b = gen();
    if (a == b) return Range<T>{a, std::nullopt};
    if (b < a) std::swap(a, b);
    return Range<T>{a, b};
  }
  TimeRange time_range() {
    return range_of<Timestamp>([&] { return timestamp(); });
  }
  SubspaceRange subspace_range() {
    return range_of<SubspaceId>([&] { return id(); });
  }
  PathRange path_range() {
    return range_of<Path>([&] { return path(); });
  }
  D3Range d3_range() { return D3Range{subspace_range(), path_range(), time_range()}; }

  Area area() {
    Area a{std::nullopt, path(3), time_range()};
    if (coin()) a.subspace = id();
    return a;
  }

  // A non-empty time range inside `outer`.
  TimeRange time_range_in(const TimeRange& outer) {
    const std::uint64_t hi = outer.end ? *outer.end : std::numeric_limits<std::uint64_t>::max();
    if (hi == outer.start) return TimeRange{outer.start, std::nullopt};  // open from the greatest
    // Candidate values in [outer.start, hi): near either bound, or anywhere.
    auto pick = [&]() -> std::uint64_t {
      const std::uint64_t span = hi - outer.start;
      switch (below(3)) {
        case 0:
          return outer.start + std::min<std::uint64_t>(below(5), span - 1);
        case 1:
          return hi - 1 - std::min<std::uint64_t>(below(5), span - 1);
        default:
          return outer.start + any_u64() % span;
      }
    };
    std::uint64_t a = pick();
    if (!outer.end && coin()) return TimeRange{a, std::nullopt};
    std::uint64_t b = pick();
    if (a > b) std::swap(a, b);
    // [a, b + 1) lies inside outer: b < hi.
    if (!outer.end && b == hi) return TimeRange{a, std::nullopt};
    return TimeRange{a, b + 1};
  }

  // An area `reference` includes.
  Area area_in(const Area& reference) {
    Area a;
    a.subspace = reference.subspace;
    if (!a.subspace && coin()) a.subspace = id();
    a.path = extend(reference.path);
    a.times = time_range_in(reference.times);
    return a;
  }

  // A 3d range including `e`.
  D3Range d3_range_including(const Entry& e) {
    D3Range r;
    r.subspaces.start = coin() ? e.subspace_id : std::min(e.subspace_id, id());
    if (coin()) {
      std::optional<SubspaceId> next = subspace_successor(e.subspace_id);
      if (next) r.subspaces.end = std::max(*next, id());
    }
    r.paths.start = coin() ? prefix_of(e.path) : std::min(e.path, path());
    if (coin()) {
      std::optional<Path> next = e.path.successor();
      if (next) r.paths.end = coin() ? *next : std::max(*next, path());
    }
    r.times.start = coin() ? e.timestamp : e.timestamp - std::min(e.timestamp, number());
    if (e.timestamp != std::numeric_limits<std::uint64_t>::max() && coin()) {
      const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - e.timestamp;
      r.times.end = e.timestamp + 1 + std::min(room - 1, number());
    }
    return r;
  }

  // A path, and a private path context satisfying EncodePrivatePathExtendsPath's precondition.
  std::pair<Path, PrivatePathContext> private_path_pair() {
    const Path base = extend(path(), 4);
    const Path path_value = coin() ? prefix_of(base) : base;
    PrivatePathContext ctx{coin() ? base.prefix(below(base.component_count() + 1)) : path_value,
                           prefix_of(path_value)};
    return {path_value, ctx};
  }

  // An area and a private area context satisfying EncodePrivateAreaAlmostInArea's precondition.
  std::pair<Area, PrivateAreaContext> private_area_pair() {
    auto [value_path, path_ctx] = private_path_pair();
    PrivateAreaContext ctx;
    ctx.private_interest.namespace_id = id();
    ctx.private_interest.path = path_ctx.private_path;
    if (coin()) ctx.private_interest.subspace_id = id();
    ctx.rel.path = path_ctx.rel;
    ctx.rel.times = time_range();
    if (ctx.private_interest.subspace_id) {
      if (coin()) ctx.rel.subspace = ctx.private_interest.subspace_id;
    } else if (coin()) {
      ctx.rel.subspace = id();
    }
    Area value;
    value.path = value_path;
    value.times = time_range_in(ctx.rel.times);
    value.subspace = ctx.rel.subspace;
    if (coin()) value.subspace = ctx.rel.subspace ? std::nullopt : std::optional<SubspaceId>(id());
    return {value, ctx};
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace osier::model::testing
