// Random model values for property tests, drawn from small pools so that equal values, prefix
// relations and range boundaries come up often.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "osier/model/area.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"

namespace osier::model::testing {

// The path of the given components.
inline Path path_of(std::initializer_list<std::string_view> components) {
  return Path::from_strings(components).value();
}

class ModelRandom {
 public:
  explicit ModelRandom(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }
  bool coin() { return below(2) == 0; }
  std::mt19937_64& engine() { return rng_; }

  Bytes component() {
    static const std::vector<std::string> kPool = {
        "", "a", "b", "ab", std::string(1, '\0'), "\xff", std::string("a\0", 2)};
    const std::string& s = kPool[below(kPool.size())];
    return Bytes(s.begin(), s.end());
  }

  Path path(std::size_t max_components = 3) {
    const std::size_t n = below(max_components + 1);
    std::vector<Bytes> comps;
    for (std::size_t i = 0; i < n; ++i) comps.push_back(component());
    std::vector<ByteView> views(comps.begin(), comps.end());
    return Path::from_components(views).value();
  }

  // Ids differing only in the last byte, plus the extremes, so successors matter.
  SubspaceId subspace_id() {
    SubspaceId id{};
    switch (below(5)) {
      case 0:
        break;  // all zeros, the least id
      case 1:
        id.fill(0xff);
        break;  // the greatest id
      default:
        id.fill(0x42);
        id.back() = static_cast<std::uint8_t>(below(3));
        break;
    }
    return id;
  }

  Timestamp timestamp() { return below(8) == 0 ? ~Timestamp{0} : below(6); }

  PayloadDigest digest() {
    PayloadDigest d{};
    d.back() = static_cast<std::uint8_t>(below(3));
    return d;
  }

  Entry entry(const NamespaceId& ns = NamespaceId{}) {
    return Entry{ns, subspace_id(), path(), timestamp(), below(3), digest()};
  }

  TimeRange time_range() {
    TimeRange r{timestamp(), std::nullopt};
    if (coin()) r.end = timestamp();
    return r;
  }
  SubspaceRange subspace_range() {
    SubspaceRange r{subspace_id(), std::nullopt};
    if (coin()) r.end = subspace_id();
    return r;
  }
  PathRange path_range() {
    PathRange r{path(), std::nullopt};
    if (coin()) r.end = path();
    return r;
  }
  D3Range d3_range() { return D3Range{subspace_range(), path_range(), time_range()}; }

  Area area() {
    Area a{std::nullopt, path(2), time_range()};
    if (coin()) a.subspace = subspace_id();
    return a;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace osier::model::testing
