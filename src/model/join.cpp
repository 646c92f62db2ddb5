#include "model/join.hpp"

#include <algorithm>
#include <tuple>

namespace osier::model {

bool canonical_less(const Entry& a, const Entry& b) {
  return std::tie(a.namespace_id, a.subspace_id, a.path, a.timestamp, a.payload_digest,
                  a.payload_length) < std::tie(b.namespace_id, b.subspace_id, b.path, b.timestamp,
                                               b.payload_digest, b.payload_length);
}

std::vector<Entry> join(std::span<const Entry> entries) {
  std::vector<Entry> out;
  for (const Entry& e : entries) {
    const bool pruned =
        std::any_of(entries.begin(), entries.end(), [&](const Entry& f) { return prunes(f, e); });
    if (!pruned) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), canonical_less);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Entry> join(std::span<const Entry> a, std::span<const Entry> b) {
  std::vector<Entry> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  return join(all);
}

bool is_store(std::span<const Entry> entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (std::size_t j = 0; j < entries.size(); ++j) {
      if (i == j) continue;
      const Entry& a = entries[i];
      const Entry& b = entries[j];
      if (a.namespace_id != b.namespace_id || a == b || prunes(a, b)) return false;
    }
  }
  return true;
}

}  // namespace osier::model
