// Capability encodings: round trips for random capabilities with 0-8 delegations through every
// relation, strict prefixes decode as incomplete, canonic mode, hand-built codes, garbage.
#include <gtest/gtest.h>

#include "base/compact_u64.hpp"
#include "mc_test_util.hpp"
#include "model/encoding_check.hpp"
#include "osier/meadowcap/encoding_capability.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/meadowcap/encoding_relations.hpp"
#include "osier/meadowcap/encoding_relative.hpp"

namespace osier::meadowcap {
namespace {

using model::testing::check_relation;
using testing::key;
using testing::McRandom;
using testing::namespace_key;

constexpr int kRounds = 12;

TEST(EncodeCapability, RoundTripsWithZeroToEightDelegations) {
  McRandom r(100);
  for (std::size_t n = 0; n <= 8; ++n) {
    for (int i = 0; i < kRounds; ++i) {
      const AccessMode mode = r.coin() ? AccessMode::kRead : AccessMode::kWrite;
      const McCapability cap = r.capability(mode, n);
      // Both modes: check_relation decodes the canonic code in kCanonic mode as well.
      check_relation(kEncodeMcCapability, cap, {});
      if (cap.is_communal()) {
        check_relation(kEncodeCommunalCapability, cap.communal(), {});
      } else {
        check_relation(kEncodeOwnedCapability, cap.owned(), {});
      }
      // The other kind's header is no code of a kind-specific relation.
      for (DecodeMode dm : {DecodeMode::kAny, DecodeMode::kCanonic}) {
        const Bytes header{static_cast<std::uint8_t>(cap.is_communal() ? 0x80 : 0x40)};
        Decoder wrong_kind(header);
        const ErrorCode got = cap.is_communal()
                                  ? decode_communal_capability(wrong_kind, dm).status().code()
                                  : decode_owned_capability(wrong_kind, dm).status().code();
        EXPECT_EQ(got, ErrorCode::kInvalidEncoding);
      }
    }
  }
}

TEST(EncodeCapability, HeaderBitsAndLayout) {
  const auto communal = CommunalCapability::create(
      AccessMode::kWrite, namespace_key(true).public_key(), key(1).public_key());
  Encoder enc;
  ASSERT_TRUE(encode_communal_capability(enc, communal).is_ok());
  ASSERT_EQ(enc.size(), 1u + 32 + 32);
  EXPECT_EQ(enc.bytes()[0], 0x40);  // 01 write, count 0 in the tag
  const auto owned =
      OwnedCapability::create(namespace_key(false), AccessMode::kRead, key(1).public_key());
  Encoder enc2;
  ASSERT_TRUE(encode_owned_capability(enc2, owned).is_ok());
  ASSERT_EQ(enc2.size(), 1u + 32 + 32 + 64);
  EXPECT_EQ(enc2.bytes()[0], 0x80);  // 10 read
}

TEST(EncodeCapability, NonMinimalCountTagIsValidButNotCanonic) {
  const auto cap = CommunalCapability::create(AccessMode::kRead, namespace_key(true).public_key(),
                                              key(1).public_key());
  Encoder enc;
  enc.byte(60);  // 00 read, then the 6-bit tag 60: one byte of count follows the keys
  enc.bytes(cap.namespace_key);
  enc.bytes(cap.user_key);
  enc.byte(0);
  Decoder any(enc.bytes());
  auto v = decode_communal_capability(any, DecodeMode::kAny);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(*v, cap);
  Decoder canonic(enc.bytes());
  EXPECT_EQ(decode_communal_capability(canonic, DecodeMode::kCanonic).status().code(),
            ErrorCode::kNonCanonic);
}

TEST(EncodeCapability, AreaNotIncludedHasNoCode) {
  McRandom r(101);
  OwnedCapability cap = r.owned(AccessMode::kRead, 2);
  cap.delegations[1].area = model::Area::full();
  cap.delegations[0].area.path = model::Path::from_strings({"q"}).value();
  Encoder enc;
  EXPECT_EQ(encode_owned_capability(enc, cap).code(), ErrorCode::kInvalidArgument);
}

TEST(EncodeCapability, HugeDelegationCountIsIncompleteNotAnAllocation) {
  Encoder enc;
  enc.byte(63);  // 00, tag 63: eight bytes of count
  enc.bytes(namespace_key(true).public_key());
  enc.bytes(key(1).public_key());
  for (int i = 0; i < 8; ++i) enc.byte(0xff);
  Decoder d(enc.bytes());
  EXPECT_EQ(decode_mc_capability(d, DecodeMode::kAny).status().code(), ErrorCode::kIncomplete);
}

TEST(EncodeEnumerationCapability, RoundTrips) {
  McRandom r(102);
  for (std::size_t n = 0; n <= 8; ++n) {
    const McEnumerationCapability cap = r.enumeration(n);
    EXPECT_TRUE(cap.is_valid());
    const Bytes code = check_relation(kEncodeMcEnumerationCapability, cap, {});
    EXPECT_EQ(code.size(), 128 + c64_standalone_length(n) + 96 * n);
  }
}

// A write capability's entry, and priors of every kind: the capability's own prefixes (which
// share delegations), unrelated capabilities of both kinds.
TEST(EncodeCapabilityRelative, RoundTripsAgainstManyPriors) {
  McRandom r(103);
  for (std::size_t n = 0; n <= 8; ++n) {
    for (int i = 0; i < kRounds / 2; ++i) {
      const bool communal = r.coin();
      // Build the chain step by step to keep its prefixes as priors.
      std::vector<McCapability> chain;
      chain.push_back(communal ? McCapability(r.communal(AccessMode::kWrite, 0))
                               : McCapability(r.owned(AccessMode::kWrite, 0)));
      for (std::size_t k = 0; k < n; ++k) {
        const McCapability& last = chain.back();
        chain.push_back(last.delegate(key(McRandom::tag_of(last.receiver())),
                                      r.sub_area(last.granted_area()),
                                      key(r.user_tag()).public_key())
                            .value());
      }
      const McCapability& cap = chain.back();
      const model::Entry entry = r.entry_in(cap.granted_area(), cap.granted_namespace());
      std::vector<McCapability> priors = {chain[r.below(chain.size())],
                                          r.capability(AccessMode::kWrite, r.below(4)), cap};
      for (const McCapability& prior : priors) {
        const MeadowcapAuthorisationToken prior_token{prior, {}};
        MeadowcapAuthorisationToken token{cap, {}};
        token.signature[0] = static_cast<std::uint8_t>(i);
        check_relation(kEncodeMeadowcapAuthorisationTokenRelative, token,
                       TokenRelativeReference{prior_token, entry});
        const CapabilityRelativeReference ref{prior, entry};
        if (cap.is_communal()) {
          check_relation(kEncodeCommunalCapabilityRelative, cap.communal(), ref);
        } else {
          check_relation(kEncodeOwnedCapabilityRelative, cap.owned(), ref);
        }
      }
    }
  }
}

TEST(EncodeCapabilityRelative, SharingWithThePriorShortensTheCode) {
  McRandom r(104);
  const OwnedCapability base = r.owned(AccessMode::kWrite, 4);
  const OwnedCapability longer = r.delegate(base, 1);
  const model::Entry entry = r.entry_in(longer.granted_area(), longer.namespace_key);
  Encoder shared, unshared;
  ASSERT_TRUE(encode_owned_capability_relative(shared, longer, base, entry).is_ok());
  ASSERT_TRUE(
      encode_owned_capability_relative(unshared, longer, r.communal(AccessMode::kWrite, 0), entry)
          .is_ok());
  EXPECT_LT(shared.size() + 4 * 96, unshared.size());
  // nice_hack = 5 (4 shared + 1) needs one byte after the 3-bit tag (100); the count 5 fits
  // its 4-bit tag.
  EXPECT_EQ(shared.bytes()[0], 0x80 | 0x40 | 5);
  EXPECT_EQ(shared.bytes()[1], 5);
}

TEST(EncodeCapabilityRelative, OutsideTheRelation) {
  McRandom r(105);
  const CommunalCapability cap = r.communal(AccessMode::kWrite, 1);
  const McCapability prior = r.capability(AccessMode::kWrite, 0);
  model::Entry entry = r.entry_in(cap.granted_area(), cap.namespace_key);
  Encoder enc;
  model::Entry other_ns = entry;
  other_ns.namespace_id[0] ^= 1;
  EXPECT_EQ(encode_communal_capability_relative(enc, cap, prior, other_ns).code(),
            ErrorCode::kInvalidArgument);
  model::Entry outside = entry;
  outside.subspace_id = key(testing::kUsers + 2).public_key();
  EXPECT_EQ(encode_communal_capability_relative(enc, cap, prior, outside).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(encode_communal_capability_relative(enc, cap, r.capability(AccessMode::kRead, 0), entry)
                .code(),
            ErrorCode::kInvalidArgument);
  // nice_hack 0 claims an owned prior: not a code relative to a communal prior.
  Encoder hack0;
  ASSERT_TRUE(encode_communal_capability_relative(hack0, cap, r.owned(AccessMode::kWrite, 0), entry)
                  .is_ok());
  Decoder d(hack0.bytes());
  EXPECT_EQ(decode_communal_capability_relative(d, r.communal(AccessMode::kWrite, 0), entry)
                .status()
                .code(),
            ErrorCode::kInvalidEncoding);
}

TEST(EncodeCapabilityPrivate, RoundTripsWithZeroToEightDelegations) {
  McRandom r(106);
  for (std::size_t n = 0; n <= 8; ++n) {
    for (int i = 0; i < kRounds; ++i) {
      const McCapability cap = r.capability(AccessMode::kRead, n);
      const PersonalPrivateInterest ppi = testing::interest_for(cap, r);
      check_relation(kEncodeMcCapabilityRelativePrivateInterest, cap, ppi);
      if (cap.is_communal()) {
        check_relation(kEncodeCommunalCapabilityRelativePrivateInterest, cap.communal(), ppi);
      } else {
        check_relation(kEncodeOwnedCapabilityRelativePrivateInterest, cap.owned(), ppi);
      }
    }
  }
}

TEST(EncodeCapabilityPrivate, OutsideTheRelation) {
  McRandom r(107);
  const McCapability cap(r.communal(AccessMode::kRead, 2));
  PersonalPrivateInterest ppi = testing::interest_for(cap, r);
  Encoder enc;
  PersonalPrivateInterest wrong_user = ppi;
  wrong_user.user[0] ^= 1;
  EXPECT_EQ(encode_mc_capability_relative_private_interest(enc, cap, wrong_user).code(),
            ErrorCode::kInvalidArgument);
  PersonalPrivateInterest any = ppi;
  any.private_interest.subspace_id.reset();
  EXPECT_EQ(encode_mc_capability_relative_private_interest(enc, cap, any).code(),
            ErrorCode::kInvalidArgument);
  const McCapability write(r.communal(AccessMode::kWrite, 0));
  EXPECT_EQ(
      encode_mc_capability_relative_private_interest(enc, write, testing::interest_for(write, r))
          .code(),
      ErrorCode::kInvalidArgument);
}

// GrantedPathRule::kPrefixOrExtension (PIO, SPEC-NOTES Sync 23): a capability whose granted path
// extends the interest's path is outside the spec's relation but encodes under the extension, and
// decodes back; capabilities inside the relation get the same codes under both rules.
TEST(EncodeCapabilityPrivate, GrantedPathExtendingTheInterest) {
  McRandom r(109);
  int extended = 0;
  for (std::size_t n = 0; n <= 6; ++n) {
    for (int i = 0; i < kRounds; ++i) {
      const McCapability cap = r.capability(AccessMode::kRead, n);
      PersonalPrivateInterest ppi = testing::interest_for(cap, r);
      Encoder strict;
      Encoder relaxed;
      const Status s = encode_mc_capability_relative_private_interest(strict, cap, ppi);
      ASSERT_TRUE(s.is_ok()) << s.message();
      ASSERT_TRUE(encode_mc_capability_relative_private_interest(
                      relaxed, cap, ppi, GrantedPathRule::kPrefixOrExtension)
                      .is_ok());
      EXPECT_EQ(strict.bytes(), relaxed.bytes());
      // A strict prefix of the granted path as the interest's path.
      const model::Path granted = cap.granted_area().path;
      if (granted.component_count() == 0) continue;
      ppi.private_interest.path = granted.prefix(r.below(granted.component_count()));
      Encoder none;
      EXPECT_EQ(encode_mc_capability_relative_private_interest(none, cap, ppi).code(),
                ErrorCode::kInvalidArgument);
      Encoder code;
      ASSERT_TRUE(encode_mc_capability_relative_private_interest(
                      code, cap, ppi, GrantedPathRule::kPrefixOrExtension)
                      .is_ok());
      Decoder dec(code.bytes());
      const Result<McCapability> back = decode_mc_capability_relative_private_interest(
          dec, ppi, GrantedPathRule::kPrefixOrExtension);
      ASSERT_TRUE(back.is_ok()) << back.status().message();
      EXPECT_EQ(*back, cap);
      EXPECT_TRUE(dec.at_end());
      Decoder strict_dec(code.bytes());
      EXPECT_FALSE(decode_mc_capability_relative_private_interest(strict_dec, ppi).is_ok());
      ++extended;
    }
  }
  EXPECT_GT(extended, 10);
}

TEST(EncodeEnumerationCapabilityPrivate, RoundTrips) {
  McRandom r(108);
  for (std::size_t n = 0; n <= 8; ++n) {
    const McEnumerationCapability cap = r.enumeration(n);
    const EnumerationCapabilityContext rel{cap.namespace_key, cap.receiver()};
    const Bytes code =
        check_relation(kEncodeMcEnumerationCapabilityRelativePrivateInterest, cap, rel);
    EXPECT_EQ(code.size(), c64_standalone_length(n) + 64 + (n ? 32 + 96 * (n - 1) + 64 : 0));
  }
}

TEST(Garbage, NeverCrashesAndWhatDecodesRoundTrips) {
  McRandom r(109);
  const McCapability write_prior = r.capability(AccessMode::kWrite, 3);
  const McCapability read_cap = r.capability(AccessMode::kRead, 2);
  const model::Entry entry =
      r.entry_in(write_prior.granted_area(), write_prior.granted_namespace());
  const PersonalPrivateInterest ppi = testing::interest_for(read_cap, r);
  const MeadowcapAuthorisationToken prior_token{write_prior, {}};
  for (int i = 0; i < 3000; ++i) {
    Bytes junk(r.below(300));
    for (auto& b : junk) b = static_cast<std::uint8_t>(r.below(256));
    if (!junk.empty() && r.coin()) junk[0] = static_cast<std::uint8_t>(r.below(4));
    {
      Decoder d(junk);
      auto v = decode_mc_capability(d, DecodeMode::kAny);
      if (v.is_ok()) {
        Encoder e;
        EXPECT_TRUE(encode_mc_capability(e, *v).is_ok());
      }
    }
    {
      Decoder d(junk);
      (void)decode_mc_enumeration_capability(d);
    }
    {
      Decoder d(junk);
      auto v = decode_meadowcap_authorisation_token_relative(d, prior_token, entry);
      if (v.is_ok()) {
        Encoder e;
        EXPECT_TRUE(
            encode_meadowcap_authorisation_token_relative(e, *v, prior_token, entry).is_ok());
      }
    }
    {
      Decoder d(junk);
      auto v = decode_mc_capability_relative_private_interest(d, ppi);
      if (v.is_ok()) {
        Encoder e;
        EXPECT_TRUE(encode_mc_capability_relative_private_interest(e, *v, ppi).is_ok());
      }
    }
    {
      Decoder d(junk);
      (void)decode_mc_enumeration_capability_relative_private_interest(
          d, {ppi.private_interest.namespace_id, ppi.user});
    }
  }
}

}  // namespace
}  // namespace osier::meadowcap
