// Random entries and ranges for store tests, from small pools so that pruning, equal keys and
// range boundaries come up often.
#pragma once

#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "osier/model/area.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"
#include "osier/store/types.hpp"

namespace osier::model {
// Readable test failure output.
inline void PrintTo(const Entry& e, std::ostream* os) {
  *os << "{ns " << int(e.namespace_id.back()) << " ss " << int(e.subspace_id[0]) << "/"
      << int(e.subspace_id.back()) << " " << e.path.to_string() << " t" << e.timestamp << " d"
      << int(e.payload_digest.back()) << " l" << e.payload_length << "}";
}
}  // namespace osier::model

namespace osier::store {
inline void PrintTo(const LengthyAuthorisedEntry& e, std::ostream* os) {
  model::PrintTo(e.authorised.entry, os);
  *os << "a" << e.available;
}
}  // namespace osier::store

namespace osier::store::testing {

class StoreRandom {
 public:
  explicit StoreRandom(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }
  bool coin() { return below(2) == 0; }

  model::Path path(std::size_t max_components = 3) {
    static const std::vector<std::string> kPool = {"", "a", "b", "ab", std::string(1, '\0')};
    const std::size_t n = below(max_components + 1);
    std::vector<Bytes> comps;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& s = kPool[below(kPool.size())];
      comps.emplace_back(s.begin(), s.end());
    }
    std::vector<ByteView> views(comps.begin(), comps.end());
    return model::Path::from_components(views).value();
  }

  model::SubspaceId subspace_id() {
    model::SubspaceId id{};
    switch (below(4)) {
      case 0:
        break;
      case 1:
        id.fill(0xff);
        break;
      default:
        id.fill(0x42);
        id.back() = static_cast<std::uint8_t>(below(3));
        break;
    }
    return id;
  }

  model::NamespaceId namespace_id(std::uint64_t pool = 2) {
    model::NamespaceId id{};
    id.fill(0x10);
    id.back() = static_cast<std::uint8_t>(below(pool) * 2);
    return id;
  }

  model::Timestamp timestamp() { return below(10) == 0 ? ~model::Timestamp{0} : below(8); }

  model::Entry entry(const model::NamespaceId& ns) {
    model::Entry e;
    e.namespace_id = ns;
    e.subspace_id = subspace_id();
    e.path = path();
    e.timestamp = timestamp();
    e.payload_length = below(4) == 0 ? below(5000) : below(3);
    e.payload_digest.back() = static_cast<std::uint8_t>(below(3));
    return e;
  }

  AuthorisedEntry authorised(const model::NamespaceId& ns) {
    AuthorisedEntry ae{entry(ns), {}};
    ae.token.resize(1 + below(4));
    for (auto& b : ae.token) b = static_cast<std::uint8_t>(below(200));
    return ae;
  }

  model::D3Range d3_range() {
    model::D3Range r;
    r.subspaces = {subspace_id(), std::nullopt};
    if (coin()) r.subspaces.end = subspace_id();
    r.paths = {path(), std::nullopt};
    if (coin()) r.paths.end = path();
    r.times = {coin() ? 0 : timestamp(), std::nullopt};
    if (below(3) == 0) r.times.end = timestamp();
    return r;
  }

  model::Area area() {
    model::Area a;
    if (coin()) a.subspace = subspace_id();
    a.path = path(2);
    a.times = {below(3) == 0 ? timestamp() : 0, std::nullopt};
    if (below(3) == 0) a.times.end = timestamp();
    return a;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace osier::store::testing
