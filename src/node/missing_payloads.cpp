#include "osier/node/missing_payloads.hpp"

#include "osier/store/snapshot.hpp"

namespace osier::node {
namespace {

// Payload lengths come from peers: a sum of them may exceed 2^64.
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

}  // namespace

MissingPayloads& MissingPayloads::operator+=(const MissingPayloads& other) {
  to_fetch += other.to_fetch;
  to_fetch_bytes = saturating_add(to_fetch_bytes, other.to_fetch_bytes);
  on_demand += other.on_demand;
  on_demand_bytes = saturating_add(on_demand_bytes, other.on_demand_bytes);
  return *this;
}

Result<std::map<model::NamespaceId, MissingPayloads>> missing_payloads(
    store::Store& store, const Policies& policies,
    const std::vector<model::NamespaceId>& namespaces, std::size_t examples) {
  std::map<model::NamespaceId, MissingPayloads> out;
  for (const model::NamespaceId& ns : namespaces) {
    OSIER_ASSIGN_OR_RETURN(const std::shared_ptr<const store::NamespaceSnapshot> snapshot,
                           store.snapshot(ns));
    const NamespacePolicy policy = policy_of(policies, ns);
    MissingPayloads m;
    OSIER_RETURN_IF_ERROR(snapshot->scan(
        model::D3Range::full(), std::nullopt, [&](const store::LengthyAuthorisedEntry& e) {
          const model::Entry& x = e.authorised.entry;
          if (e.available >= x.payload_length) return true;
          const std::uint64_t lack = x.payload_length - e.available;
          if (policy.fetches(x.payload_length)) {
            ++m.to_fetch;
            m.to_fetch_bytes = saturating_add(m.to_fetch_bytes, lack);
            if (m.examples.size() < examples) {
              m.examples.push_back(x);
            }
          } else {
            ++m.on_demand;
            m.on_demand_bytes = saturating_add(m.on_demand_bytes, lack);
          }
          return true;
        }));
    if (!m.empty()) out.emplace(ns, std::move(m));
  }
  return out;
}

}  // namespace osier::node
