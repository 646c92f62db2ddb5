// VerifiedCapabilities and the token check through it: every rule of
// meadowcap_is_authorised_write still holds for every entry once a capability is remembered,
// failures are never remembered, the limits hold, and the memoised check says exactly what the
// full one says.
#include "meadowcap/verified_capabilities.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mc_test_util.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/encoding_capability.hpp"
#include "osier/model/encoding_entry.hpp"

namespace osier::meadowcap {
namespace {

using ::testing::HasSubstr;
using testing::key;
using testing::McRandom;
using testing::namespace_key;

UserSignature sign_entry(const McCapability& cap, const model::Entry& e) {
  return key(McRandom::tag_of(cap.receiver())).sign(model::encode_entry_bytes(e));
}

// A token of `cap` for `e`, signed by the receiver.
MeadowcapAuthorisationToken token_for(const McCapability& cap, const model::Entry& e) {
  return MeadowcapAuthorisationToken{cap, sign_entry(cap, e)};
}

// Checks through `memo` (both entry points) and without it; all three must agree.
Status check(const model::Entry& e, const MeadowcapAuthorisationToken& t,
             VerifiedCapabilities& memo) {
  const Status full = meadowcap_check_authorised_write(e, t);
  const Status memoised = meadowcap_check_authorised_write(e, t, memo);
  EXPECT_EQ(memoised.code(), full.code());
  EXPECT_EQ(memoised.message(), full.message());
  const auto verified = AuthorisedEntry::verify(PossiblyAuthorisedEntry{e, t}, memo);
  EXPECT_EQ(verified.is_ok(), full.is_ok());
  if (verified.is_ok()) {
    EXPECT_EQ(verified->entry(), e);
    EXPECT_EQ(verified->token(), t);
  }
  return memoised;
}

OwnedCapability owned_write(std::uint8_t user) {
  return OwnedCapability::create(namespace_key(false), AccessMode::kWrite, key(user).public_key());
}

TEST(VerifiedCapabilities, RemembersAValidCapabilityOnce) {
  McRandom r(1);
  VerifiedCapabilities memo;
  const McCapability cap = r.owned(AccessMode::kWrite, 2);
  for (int i = 0; i < 10; ++i) {
    const model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
    EXPECT_TRUE(check(e, token_for(cap, e), memo).is_ok());
  }
  EXPECT_EQ(memo.size(), 1u);
  EXPECT_EQ(memo.stats().verified, 1u);
  EXPECT_EQ(memo.stats().hits, 19u);  // two lookups per check() after the first
}

TEST(VerifiedCapabilities, CachedCapabilityWithABadEntrySignatureIsRejected) {
  McRandom r(2);
  VerifiedCapabilities memo;
  const McCapability cap = r.capability(AccessMode::kWrite, 1);
  const model::Entry good = r.entry_in(cap.granted_area(), cap.granted_namespace());
  ASSERT_TRUE(check(good, token_for(cap, good), memo).is_ok());
  ASSERT_EQ(memo.size(), 1u);

  const model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
  MeadowcapAuthorisationToken t = token_for(cap, e);
  for (std::size_t i : {0u, 31u, 63u}) {
    MeadowcapAuthorisationToken bad = t;
    bad.signature[i] ^= 0x10;
    EXPECT_THAT(check(e, bad, memo).message(),
                HasSubstr("not the capability receiver's signature over the entry"));
  }
  // Signed by someone else, and a valid signature of another entry.
  t.signature = key(99).sign(model::encode_entry_bytes(e));
  EXPECT_FALSE(check(e, t, memo).is_ok());
  EXPECT_FALSE(check(e, token_for(cap, good), memo).is_ok());
  EXPECT_GT(memo.stats().hits, 0u);
}

TEST(VerifiedCapabilities, EntryOutsideTheGrantedAreaIsRejectedWhileCached) {
  McRandom r(3);
  VerifiedCapabilities memo;
  // Owned, delegated to a narrow area: path "a", one subspace, times [100, 200).
  OwnedCapability owned = owned_write(1);
  const model::Area narrow{key(5).public_key(), model::Path::from_strings({"a"}).value(),
                           model::TimeRange{100, 200}};
  owned = owned.delegate(key(1), narrow, key(2).public_key()).value();
  const McCapability cap(owned);
  const model::Entry inside = r.entry_in(narrow, cap.granted_namespace());
  ASSERT_TRUE(check(inside, token_for(cap, inside), memo).is_ok());
  ASSERT_EQ(memo.size(), 1u);

  std::vector<model::Entry> outside(3, inside);
  outside[0].subspace_id = key(6).public_key();
  outside[1].path = model::Path::from_strings({"b"}).value();
  outside[2].timestamp = 200;
  for (const model::Entry& e : outside) {
    // Signed by the receiver: only the area rule is broken.
    EXPECT_THAT(check(e, token_for(cap, e), memo).message(),
                HasSubstr("granted area does not include the entry"));
  }
  // And the namespace rule: the entry in another namespace, signed by the receiver.
  model::Entry elsewhere = inside;
  elsewhere.namespace_id[0] ^= 1;
  EXPECT_THAT(check(elsewhere, token_for(cap, elsewhere), memo).message(),
              HasSubstr("granted namespace is not the entry's namespace"));
  EXPECT_EQ(memo.size(), 1u);
}

TEST(VerifiedCapabilities, ReadCapabilityUsedAsWriteIsRejected) {
  McRandom r(4);
  for (bool communal : {true, false}) {
    VerifiedCapabilities memo;
    const McCapability read = communal ? McCapability(r.communal(AccessMode::kRead, 1))
                                       : McCapability(r.owned(AccessMode::kRead, 1));
    // The read capability is valid, and remembered as such.
    ASSERT_TRUE(memo.validate(read).is_ok());
    ASSERT_EQ(memo.size(), 1u);
    for (int i = 0; i < 3; ++i) {
      const model::Entry e = r.entry_in(read.granted_area(), read.granted_namespace());
      EXPECT_THAT(check(e, token_for(read, e), memo).message(),
                  HasSubstr("access mode is read, not write"));
    }
    // The same capability with its mode flipped to write is a different value, and invalid
    // (the first signature covers the mode).
    McCapability flipped = read;
    if (communal) {
      CommunalCapability c = read.communal();
      c.access_mode = AccessMode::kWrite;
      flipped = c;
    } else {
      OwnedCapability o = read.owned();
      o.access_mode = AccessMode::kWrite;
      flipped = o;
    }
    const model::Entry e = r.entry_in(flipped.granted_area(), flipped.granted_namespace());
    EXPECT_FALSE(check(e, token_for(flipped, e), memo).is_ok());
    EXPECT_EQ(memo.size(), 1u);
  }
}

TEST(VerifiedCapabilities, InvalidDelegationIsRejectedEveryTime) {
  McRandom r(5);
  VerifiedCapabilities memo;
  const OwnedCapability valid = r.owned(AccessMode::kWrite, 3);
  OwnedCapability broken = valid;
  broken.delegations[1].signature[7] ^= 2;
  const McCapability good_cap(valid);
  const McCapability bad_cap(broken);
  // Remember the valid one first: the broken one differs only in one delegation signature.
  const model::Entry e0 = r.entry_in(good_cap.granted_area(), good_cap.granted_namespace());
  ASSERT_TRUE(check(e0, token_for(good_cap, e0), memo).is_ok());
  for (int i = 0; i < 5; ++i) {
    const model::Entry e = r.entry_in(bad_cap.granted_area(), bad_cap.granted_namespace());
    EXPECT_THAT(check(e, token_for(bad_cap, e), memo).message(),
                HasSubstr("delegation 1: signature"));
    // Interleaved with the valid one, which stays remembered.
    EXPECT_TRUE(check(e, token_for(good_cap, e), memo).is_ok());
  }
  EXPECT_EQ(memo.size(), 1u);
  EXPECT_EQ(memo.stats().verified, 1u);
  EXPECT_EQ(memo.stats().rejected, 10u);  // 5 entries, two lookups each, none remembered
}

TEST(VerifiedCapabilities, InvalidCapabilitiesOfEveryKindAreNeverRemembered) {
  VerifiedCapabilities memo;
  // Owned capability in a communal namespace: valid as an OwnedCapability, not as a Capability.
  const McCapability owned_in_communal(
      OwnedCapability::create(namespace_key(true), AccessMode::kWrite, key(1).public_key()));
  // Communal capability in an owned namespace.
  const McCapability communal_in_owned(CommunalCapability::create(
      AccessMode::kWrite, namespace_key(false).public_key(), key(1).public_key()));
  // Owned capability whose initial authorisation another namespace key made.
  OwnedCapability forged = owned_write(1);
  forged.namespace_key =
      namespace_key(false, static_cast<std::uint8_t>(McRandom::tag_of(forged.namespace_key) + 1))
          .public_key();
  // A delegation with an empty time range (its code exists; cap_valid rejects it).
  OwnedCapability empty_times = owned_write(1);
  empty_times.delegations.push_back(
      Delegation{model::Area{std::nullopt, model::Path(), {5, 5}}, key(2).public_key(), {}});
  for (const McCapability& cap :
       {owned_in_communal, communal_in_owned, McCapability(forged), McCapability(empty_times)}) {
    for (int i = 0; i < 3; ++i) {
      const Status st = memo.validate(cap);
      EXPECT_EQ(st.code(), ErrorCode::kVerification);
      EXPECT_EQ(st.message(), cap.validate().message());
    }
  }
  EXPECT_EQ(memo.size(), 0u);
  EXPECT_EQ(memo.stats().rejected, 12u);
  EXPECT_EQ(memo.stats().hits, 0u);
}

TEST(VerifiedCapabilities, CapabilityCountBoundHolds) {
  VerifiedCapabilities memo(VerifiedCapabilities::Limits{4, std::size_t{1} << 20});
  std::vector<McCapability> caps;
  for (std::uint8_t u = 1; u <= 10; ++u) caps.emplace_back(owned_write(u));
  for (const McCapability& cap : caps) {
    EXPECT_TRUE(memo.validate(cap).is_ok());
    EXPECT_LE(memo.size(), 4u);
  }
  EXPECT_EQ(memo.size(), 4u);
  EXPECT_EQ(memo.stats().evicted, 6u);
  // The four most recent are remembered; the oldest is verified again.
  const auto verified = memo.stats().verified;
  EXPECT_TRUE(memo.validate(caps[9]).is_ok());
  EXPECT_TRUE(memo.validate(caps[6]).is_ok());
  EXPECT_EQ(memo.stats().verified, verified);
  EXPECT_TRUE(memo.validate(caps[0]).is_ok());
  EXPECT_EQ(memo.stats().verified, verified + 1);
  EXPECT_EQ(memo.size(), 4u);
  // Least recently used went: caps[7] (6 and 9 were just used, 8 was not).
  const auto before = memo.stats().verified;
  EXPECT_TRUE(memo.validate(caps[8]).is_ok());
  EXPECT_TRUE(memo.validate(caps[7]).is_ok());
  EXPECT_EQ(memo.stats().verified, before + 1);
}

TEST(VerifiedCapabilities, ByteBoundHolds) {
  Encoder code;
  ASSERT_TRUE(encode_mc_capability(code, McCapability(owned_write(1))).is_ok());
  const std::size_t one = code.size();  // undelegated owned capabilities all have this length
  VerifiedCapabilities memo(VerifiedCapabilities::Limits{100, 3 * one});
  for (std::uint8_t u = 1; u <= 8; ++u) {
    EXPECT_TRUE(memo.validate(McCapability(owned_write(u))).is_ok());
    EXPECT_LE(memo.bytes(), 3 * one);
  }
  EXPECT_EQ(memo.size(), 3u);
  EXPECT_EQ(memo.bytes(), 3 * one);

  // A capability whose code alone exceeds the byte limit is checked, never remembered — but for
  // the last one validated, which is kept whatever its size (its reuse by the next entries
  // costs no check).
  VerifiedCapabilities tiny(VerifiedCapabilities::Limits{100, one - 1});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(tiny.validate(McCapability(owned_write(1))).is_ok());
  EXPECT_EQ(tiny.size(), 0u);
  EXPECT_EQ(tiny.bytes(), 0u);
  EXPECT_EQ(tiny.stats().too_large, 1u);
  EXPECT_EQ(tiny.stats().hits, 2u);
  EXPECT_TRUE(tiny.validate(McCapability(owned_write(2))).is_ok());
  EXPECT_TRUE(tiny.validate(McCapability(owned_write(1))).is_ok());  // not the last: checked
  EXPECT_EQ(tiny.stats().too_large, 3u);
  // And a memo of capacity zero remembers nothing.
  VerifiedCapabilities none(VerifiedCapabilities::Limits{0, 1 << 20});
  EXPECT_TRUE(none.validate(McCapability(owned_write(1))).is_ok());
  EXPECT_EQ(none.size(), 0u);
}

// A capability that extends, or branches off, the last one validated (what entries coded
// relative to the previous reuse) has only its delegations past the shared prefix checked, and
// every rule still holds for them: a bad last signature, a shorter prefix, another namespace.
TEST(VerifiedCapabilities, OnlyDelegationsPastTheLastOnesPrefixAreChecked) {
  McRandom r(9);
  VerifiedCapabilities memo;
  const McCapability full(r.owned(AccessMode::kWrite, 6));
  OwnedCapability base = full.owned();
  base.delegations.pop_back();  // a prefix of a valid chain: valid
  ASSERT_TRUE(memo.validate(McCapability(base)).is_ok());
  EXPECT_EQ(memo.stats().extended, 0u);
  // Its extension by the sixth delegation: one check.
  ASSERT_TRUE(memo.validate(full).is_ok());
  EXPECT_EQ(memo.stats().extended, 1u);
  // A sibling: the same five, another sixth (signed by the fifth's receiver).
  const McCapability base_cap(base);
  const auto sibling = base_cap.delegate(key(McRandom::tag_of(base_cap.receiver())),
                                         base_cap.granted_area(), key(77).public_key());
  ASSERT_TRUE(sibling.is_ok()) << sibling.status().to_string();
  ASSERT_TRUE(memo.validate(*sibling).is_ok());
  EXPECT_EQ(memo.stats().extended, 2u);
  // A sibling whose new delegation is not the receiver's signature: rejected, every time.
  OwnedCapability forged = sibling->owned();
  forged.delegations.back().signature[3] ^= 1;
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(memo.validate(McCapability(forged)).message(),
                HasSubstr("delegation 5: signature"));
  }
  // One that changes an earlier delegation shares less: from that one on it is checked.
  OwnedCapability early = full.owned();
  early.delegations[2].signature[0] ^= 1;
  EXPECT_THAT(memo.validate(McCapability(early)).message(), HasSubstr("delegation 2: signature"));
  EXPECT_EQ(memo.stats().rejected, 3u);
  // Every answer agrees with the full check.
  for (const McCapability& c :
       {McCapability(base), full, *sibling, McCapability(forged), McCapability(early)}) {
    EXPECT_EQ(memo.validate(c).is_ok(), c.validate().is_ok());
  }
}

TEST(VerifiedCapabilities, MovedMemoKeepsWorking) {
  VerifiedCapabilities memo(VerifiedCapabilities::Limits{2, 1 << 20});
  EXPECT_TRUE(memo.validate(McCapability(owned_write(1))).is_ok());
  EXPECT_TRUE(memo.validate(McCapability(owned_write(2))).is_ok());
  VerifiedCapabilities moved = std::move(memo);
  EXPECT_TRUE(moved.validate(McCapability(owned_write(1))).is_ok());  // a hit via the index
  EXPECT_EQ(moved.stats().verified, 2u);
  EXPECT_TRUE(moved.validate(McCapability(owned_write(3))).is_ok());  // evicts owned_write(2)
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved.stats().evicted, 1u);
}

// Random tokens, valid and broken in one place each, through a small memo (so that remembering,
// hits and evictions interleave with failures): the memoised check always says what the full
// check says, message included (check() compares them).
TEST(VerifiedCapabilities, AgreesWithTheFullCheck) {
  McRandom r(6);
  VerifiedCapabilities memo(VerifiedCapabilities::Limits{3, 1 << 20});
  std::vector<McCapability> pool;
  for (int i = 0; i < 8; ++i) {  // six write capabilities (more than the memo holds), two read
    pool.push_back(r.capability(i < 6 ? AccessMode::kWrite : AccessMode::kRead, r.below(4)));
  }
  std::size_t ok = 0;
  for (int i = 0; i < 300; ++i) {
    McCapability cap = pool[r.below(pool.size())];
    model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
    UserSignature sig = sign_entry(cap, e);
    switch (r.below(6)) {
      case 0:  // the entry's signature
        sig[r.below(64)] ^= 1;
        break;
      case 1:  // a delegation signature, or the owned capability's initial authorisation
        if (!cap.delegations().empty()) {
          std::vector<Delegation> ds = cap.delegations();
          ds[r.below(ds.size())].signature[r.below(64)] ^= 1;
          if (cap.is_communal()) {
            CommunalCapability c = cap.communal();
            c.delegations = ds;
            cap = c;
          } else {
            OwnedCapability o = cap.owned();
            o.delegations = ds;
            cap = o;
          }
        } else if (!cap.is_communal()) {
          OwnedCapability o = cap.owned();
          o.initial_authorisation[r.below(64)] ^= 1;
          cap = o;
        }
        break;
      case 2:  // a subspace no capability names: outside the granted area unless that is any
        e.subspace_id = key(testing::kUsers + 1).public_key();
        sig = sign_entry(cap, e);
        break;
      default:
        break;
    }
    ok += check(e, MeadowcapAuthorisationToken{cap, sig}, memo).is_ok();
  }
  EXPECT_GT(ok, 100u);
  EXPECT_GT(memo.stats().hits, 0u);
  EXPECT_GT(memo.stats().evicted, 0u);
  EXPECT_GT(memo.stats().rejected, 0u);
  EXPECT_LE(memo.size(), 3u);
}

}  // namespace
}  // namespace osier::meadowcap
