// Random (value, reference) pairs for every relation of meadowcap::kEncodingRelations, for the
// tests that walk the registry. Pairs are built to lie inside their relation (a value derived
// from its reference) most of the time; where one generator serves several relations of the
// same types (EncodePathRelativePath and EncodePathExtendsPath), some pairs lie outside the
// stricter one, and the walking tests skip those (the encoder says kInvalidArgument).
// A relation added to the registry whose types have no draw() overload does not compile here.
#pragma once

#include <cstdint>
#include <utility>

#include "mc_test_util.hpp"
#include "model/encoding_random.hpp"
#include "osier/meadowcap/encoding_relations.hpp"

namespace osier::meadowcap::testing {

class RelationSamples {
 public:
  explicit RelationSamples(std::uint64_t seed) : m_(seed), mc_(seed * 7919 + 1) {}

  template <typename V, typename R>
  std::pair<V, R> sample(const model::EncodingRelation<V, R>&) {
    return draw(Tag<V, R>{});
  }

  model::testing::EncodingRandom& model_random() { return m_; }

 private:
  template <typename V, typename R>
  struct Tag {};
  using None = model::NoReference;

  std::size_t delegations() { return static_cast<std::size_t>(mc_.below(5)); }
  AccessMode mode() { return mc_.coin() ? AccessMode::kRead : AccessMode::kWrite; }

  // --- the data model
  std::pair<model::Path, None> draw(Tag<model::Path, None>) { return {m_.path(), {}}; }
  std::pair<model::Path, model::Path> draw(Tag<model::Path, model::Path>) {
    model::Path ref = m_.path();
    model::Path value = m_.coin() ? m_.extend(ref) : m_.extend(m_.prefix_of(m_.path()));
    return {std::move(value), std::move(ref)};
  }
  std::pair<model::Entry, None> draw(Tag<model::Entry, None>) { return {m_.entry(), {}}; }
  std::pair<model::Entry, model::Entry> draw(Tag<model::Entry, model::Entry>) {
    model::Entry ref = m_.entry();
    model::Entry e = m_.entry();
    if (m_.coin()) e.namespace_id = ref.namespace_id;
    if (m_.coin()) e.subspace_id = ref.subspace_id;
    if (m_.coin()) e.path = m_.extend(m_.prefix_of(ref.path));
    if (m_.below(4) == 0) e.timestamp = ref.timestamp;
    return {std::move(e), std::move(ref)};
  }
  std::pair<model::Entry, model::EntryInNamespace3dRangeReference> draw(
      Tag<model::Entry, model::EntryInNamespace3dRangeReference>) {
    model::Entry e = m_.entry();
    model::EntryInNamespace3dRangeReference ref{e.namespace_id, m_.d3_range_including(e)};
    return {std::move(e), std::move(ref)};
  }
  std::pair<model::Area, model::Area> draw(Tag<model::Area, model::Area>) {
    model::Area ref = m_.area();
    model::Area value = m_.area_in(ref);
    return {std::move(value), std::move(ref)};
  }
  std::pair<model::D3Range, model::D3Range> draw(Tag<model::D3Range, model::D3Range>) {
    return {m_.d3_range(), m_.d3_range()};
  }
  std::pair<model::Path, model::PrivatePathContext> draw(
      Tag<model::Path, model::PrivatePathContext>) {
    return m_.private_path_pair();
  }
  std::pair<model::Area, model::PrivateAreaContext> draw(
      Tag<model::Area, model::PrivateAreaContext>) {
    return m_.private_area_pair();
  }

  // --- Meadowcap: absolute
  std::pair<CommunalCapability, None> draw(Tag<CommunalCapability, None>) {
    return {mc_.communal(mode(), delegations()), {}};
  }
  std::pair<OwnedCapability, None> draw(Tag<OwnedCapability, None>) {
    return {mc_.owned(mode(), delegations()), {}};
  }
  std::pair<McCapability, None> draw(Tag<McCapability, None>) {
    return {mc_.capability(mode(), delegations()), {}};
  }
  std::pair<McEnumerationCapability, None> draw(Tag<McEnumerationCapability, None>) {
    return {mc_.enumeration(delegations()), {}};
  }

  // --- Meadowcap: relative to a prior capability and an entry. The prior is a prefix of the
  // value's delegation chain (so they share delegations), the value itself, or unrelated.
  template <typename Cap>
  std::pair<Cap, CapabilityRelativeReference> relative(Cap base) {
    Cap cap = mc_.delegate(base, delegations());
    model::Entry entry = mc_.entry_in(cap.granted_area(), cap.namespace_key);
    switch (mc_.below(3)) {
      case 0:
        return {cap, CapabilityRelativeReference{McCapability(base), std::move(entry)}};
      case 1:
        return {cap, CapabilityRelativeReference{McCapability(cap), std::move(entry)}};
      default:
        return {cap, CapabilityRelativeReference{mc_.capability(AccessMode::kWrite, delegations()),
                                                 std::move(entry)}};
    }
  }
  std::pair<CommunalCapability, CapabilityRelativeReference> draw(
      Tag<CommunalCapability, CapabilityRelativeReference>) {
    return relative(mc_.communal(AccessMode::kWrite, delegations()));
  }
  std::pair<OwnedCapability, CapabilityRelativeReference> draw(
      Tag<OwnedCapability, CapabilityRelativeReference>) {
    return relative(mc_.owned(AccessMode::kWrite, delegations()));
  }
  std::pair<MeadowcapAuthorisationToken, TokenRelativeReference> draw(
      Tag<MeadowcapAuthorisationToken, TokenRelativeReference>) {
    using Pair = std::pair<McCapability, CapabilityRelativeReference>;
    const Pair pair = mc_.coin()
                          ? Pair(draw(Tag<CommunalCapability, CapabilityRelativeReference>{}))
                          : Pair(draw(Tag<OwnedCapability, CapabilityRelativeReference>{}));
    MeadowcapAuthorisationToken token{pair.first, {}};
    token.signature[0] = static_cast<std::uint8_t>(mc_.below(256));
    return {std::move(token),
            TokenRelativeReference{MeadowcapAuthorisationToken{pair.second.prior, {}},
                                   pair.second.entry}};
  }

  // --- Meadowcap: private encodings of read capabilities
  std::pair<CommunalCapability, PersonalPrivateInterest> draw(
      Tag<CommunalCapability, PersonalPrivateInterest>) {
    CommunalCapability cap = mc_.communal(AccessMode::kRead, delegations());
    PersonalPrivateInterest ppi = interest_for(McCapability(cap), mc_);
    return {std::move(cap), std::move(ppi)};
  }
  std::pair<OwnedCapability, PersonalPrivateInterest> draw(
      Tag<OwnedCapability, PersonalPrivateInterest>) {
    OwnedCapability cap = mc_.owned(AccessMode::kRead, delegations());
    PersonalPrivateInterest ppi = interest_for(McCapability(cap), mc_);
    return {std::move(cap), std::move(ppi)};
  }
  std::pair<McCapability, PersonalPrivateInterest> draw(
      Tag<McCapability, PersonalPrivateInterest>) {
    McCapability cap = mc_.capability(AccessMode::kRead, delegations());
    PersonalPrivateInterest ppi = interest_for(cap, mc_);
    return {std::move(cap), std::move(ppi)};
  }
  std::pair<McEnumerationCapability, EnumerationCapabilityContext> draw(
      Tag<McEnumerationCapability, EnumerationCapabilityContext>) {
    McEnumerationCapability cap = mc_.enumeration(delegations());
    EnumerationCapabilityContext ctx{cap.namespace_key, cap.receiver()};
    return {std::move(cap), ctx};
  }

  model::testing::EncodingRandom m_;
  McRandom mc_;
};

}  // namespace osier::meadowcap::testing
