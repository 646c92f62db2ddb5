// Meadowcap encodings: arbitrary bytes never crash the decoders, and whatever decodes
// round-trips. The first byte picks the relation (absolute, relative to a prior capability and
// an entry, or relative to a personal private interest); references are built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "osier/meadowcap/encoding_relations.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzValues v(ByteView(data, size));
  switch (v.byte() % 9) {
    case 0:
      fuzz::check_relation(kEncodeMcCapability, v.rest(), {});
      break;
    case 1:
      fuzz::check_relation(kEncodeCommunalCapability, v.rest(), {});
      break;
    case 2:
      fuzz::check_relation(kEncodeOwnedCapability, v.rest(), {});
      break;
    case 3:
      fuzz::check_relation(kEncodeMcEnumerationCapability, v.rest(), {});
      break;
    case 4: {
      const CapabilityRelativeReference ref{prior_capability(v), v.entry()};
      fuzz::check_relation(kEncodeCommunalCapabilityRelative, v.rest(), ref);
      break;
    }
    case 5: {
      const CapabilityRelativeReference ref{prior_capability(v), v.entry()};
      fuzz::check_relation(kEncodeOwnedCapabilityRelative, v.rest(), ref);
      break;
    }
    case 6: {
      const TokenRelativeReference ref{MeadowcapAuthorisationToken{prior_capability(v), {}},
                                       v.entry()};
      fuzz::check_relation(kEncodeMeadowcapAuthorisationTokenRelative, v.rest(), ref);
      break;
    }
    case 7: {
      const PersonalPrivateInterest rel = personal_interest(v);
      fuzz::check_relation(kEncodeMcCapabilityRelativePrivateInterest, v.rest(), rel);
      break;
    }
    default: {
      const EnumerationCapabilityContext rel{v.id(), v.id()};
      fuzz::check_relation(kEncodeMcEnumerationCapabilityRelativePrivateInterest, v.rest(), rel);
      break;
    }
  }
  return 0;
}
