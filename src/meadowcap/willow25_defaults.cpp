#include "osier/meadowcap/willow25_defaults.hpp"

#include "osier/meadowcap/communal_capability.hpp"

namespace osier::meadowcap {

namespace {

template <std::size_t N>
constexpr ByteArray<N> bytes_of(const std::uint8_t (&b)[N]) {
  ByteArray<N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = b[i];
  return out;
}

// spec: willow25#willow25_defaults (the published values, verbatim).
constexpr std::uint8_t kNamespace[32] = {147, 78,  96,  33, 51,  158, 31,  1,   59,  169, 73,
                                         0,   237, 194, 93, 141, 116, 192, 180, 229, 115, 118,
                                         137, 16,  174, 15, 80,  125, 140, 129, 115, 24};
constexpr std::uint8_t kDigest[32] = {150, 211, 76,  84,  120, 69,  130, 49, 227, 100, 118,
                                      121, 82,  170, 234, 2,   163, 29,  34, 3,   198, 111,
                                      67,  101, 105, 46,  249, 31,  53,  16, 104, 210};
constexpr std::uint8_t kSignature[64] = {
    42,  201, 58,  210, 193, 63,  237, 182, 150, 52,  93,  186, 198, 231, 18,  84,
    233, 156, 180, 68,  229, 232, 27,  145, 111, 202, 8,   120, 240, 168, 169, 147,
    43,  209, 164, 232, 70,  225, 202, 131, 55,  123, 116, 10,  41,  184, 87,  10,
    133, 3,   141, 80,  102, 43,  168, 175, 102, 229, 104, 60,  147, 82,  20,  1};

}  // namespace

const model::NamespaceId& default_namespace_id() {
  static const model::NamespaceId id = bytes_of(kNamespace);
  return id;
}

const model::SubspaceId& default_subspace_id() {
  static const model::SubspaceId id = bytes_of(kNamespace);
  return id;
}

const model::PayloadDigest& default_payload_digest() {
  static const model::PayloadDigest d = bytes_of(kDigest);
  return d;
}

const MeadowcapAuthorisationToken& default_authorisation_token() {
  static const MeadowcapAuthorisationToken token{
      CommunalCapability::create(AccessMode::kWrite, default_namespace_id(), default_subspace_id()),
      bytes_of(kSignature)};
  return token;
}

const model::Entry& willow25_default_entry() {
  static const model::Entry e =
      model::default_entry(default_namespace_id(), default_subspace_id(), default_payload_digest());
  return e;
}

}  // namespace osier::meadowcap
