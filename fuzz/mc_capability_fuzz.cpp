// Meadowcap encodings: arbitrary bytes never crash the decoders, and whatever decodes
// round-trips. The first byte picks the relation (absolute, relative to a prior capability and
// an entry, or relative to a personal private interest); references are built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "meadowcap/encoding_capability.hpp"
#include "meadowcap/encoding_private_capability.hpp"
#include "meadowcap/encoding_relative.hpp"

namespace {

using namespace osier;
using namespace osier::meadowcap;

// A reference capability: its delegations need not form a valid chain, only be copyable.
McCapability prior_capability(fuzz::FuzzValues& v) {
  const bool communal = v.coin();
  const AccessMode mode = v.byte() % 8 == 0 ? AccessMode::kRead : AccessMode::kWrite;
  std::vector<Delegation> ds;
  const std::size_t n = v.byte() % 4;
  for (std::size_t i = 0; i < n; ++i) ds.push_back(Delegation{v.area(), v.id(), {}});
  if (communal) return McCapability(CommunalCapability{mode, v.id(), v.id(), std::move(ds)});
  return McCapability(OwnedCapability{mode, v.id(), v.id(), {}, std::move(ds)});
}

PersonalPrivateInterest personal_interest(fuzz::FuzzValues& v) {
  PersonalPrivateInterest p;
  p.private_interest.namespace_id = v.id();
  if (v.coin()) p.private_interest.subspace_id = v.id();
  p.private_interest.path = v.path();
  p.user = v.id();
  return p;
}

template <typename Decode, typename Encode>
void run(ByteView input, Decode decode, Encode encode, bool has_canonic) {
  fuzz::check_round_trip(input, decode, encode, has_canonic);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzValues v(ByteView(data, size));
  switch (v.byte() % 9) {
    case 0:
      run(v.rest(), decode_mc_capability, encode_mc_capability, true);
      break;
    case 1:
      run(v.rest(), decode_communal_capability, encode_communal_capability, true);
      break;
    case 2:
      run(v.rest(), decode_owned_capability, encode_owned_capability, true);
      break;
    case 3:
      run(
          v.rest(), [](Decoder& d, DecodeMode) { return decode_mc_enumeration_capability(d); },
          [](Encoder& e, const McEnumerationCapability& c) {
            encode_mc_enumeration_capability(e, c);
            return Status::ok();
          },
          false);
      break;
    case 4: {
      const McCapability prior = prior_capability(v);
      const model::Entry entry = v.entry();
      run(
          v.rest(),
          [&](Decoder& d, DecodeMode) {
            return decode_communal_capability_relative(d, prior, entry);
          },
          [&](Encoder& e, const CommunalCapability& c) {
            return encode_communal_capability_relative(e, c, prior, entry);
          },
          false);
      break;
    }
    case 5: {
      const McCapability prior = prior_capability(v);
      const model::Entry entry = v.entry();
      run(
          v.rest(),
          [&](Decoder& d, DecodeMode) { return decode_owned_capability_relative(d, prior, entry); },
          [&](Encoder& e, const OwnedCapability& c) {
            return encode_owned_capability_relative(e, c, prior, entry);
          },
          false);
      break;
    }
    case 6: {
      const MeadowcapAuthorisationToken prior{prior_capability(v), {}};
      const model::Entry entry = v.entry();
      run(
          v.rest(),
          [&](Decoder& d, DecodeMode) {
            return decode_meadowcap_authorisation_token_relative(d, prior, entry);
          },
          [&](Encoder& e, const MeadowcapAuthorisationToken& t) {
            return encode_meadowcap_authorisation_token_relative(e, t, prior, entry);
          },
          false);
      break;
    }
    case 7: {
      const PersonalPrivateInterest rel = personal_interest(v);
      run(
          v.rest(),
          [&](Decoder& d, DecodeMode) {
            return decode_mc_capability_relative_private_interest(d, rel);
          },
          [&](Encoder& e, const McCapability& c) {
            return encode_mc_capability_relative_private_interest(e, c, rel);
          },
          false);
      break;
    }
    default: {
      const EnumerationCapabilityContext rel{v.id(), v.id()};
      run(
          v.rest(),
          [&](Decoder& d, DecodeMode) {
            return decode_mc_enumeration_capability_relative_private_interest(d, rel);
          },
          [&](Encoder& e, const McEnumerationCapability& c) {
            return encode_mc_enumeration_capability_relative_private_interest(e, c, rel);
          },
          false);
      break;
    }
  }
  return 0;
}
