// meadowcap_is_authorised_write and capability validity: the willow25 default token, and for
// every validity rule a case where only that rule is broken, failing with a reason naming it.
#include "osier/meadowcap/authorisation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mc_test_util.hpp"
#include "osier/base/hex.hpp"
#include "osier/model/encoding_entry.hpp"
#include "support/vectors.hpp"

namespace osier::meadowcap {
namespace {

using ::testing::HasSubstr;
using testing::key;
using testing::McRandom;
using testing::namespace_key;

template <std::size_t N>
ByteArray<N> hex_array(const std::string& s) {
  return array_from_hex<N>(s).value();
}

struct DefaultToken {
  model::Entry entry;
  MeadowcapAuthorisationToken token;
};

DefaultToken default_token() {
  const auto& v = osier::testing::willow25_vectors();
  const auto ns = hex_array<32>(v["default_namespace"]["namespace_id_hex"]);
  const auto ss = hex_array<32>(v["default_namespace"]["default_subspace_id_hex"]);
  const auto digest = hex_array<32>(v["william3"][0]["digest_hex"]);
  const auto& t = v["default_authorisation_token"];
  EXPECT_EQ(t["capability"]["kind"], "communal");
  EXPECT_EQ(t["capability"]["access_mode"], "write");
  EXPECT_TRUE(t["capability"]["delegations"].empty());
  CommunalCapability cap =
      CommunalCapability::create(AccessMode::kWrite, hex_array<32>(t["capability"]["namespace"]),
                                 hex_array<32>(t["capability"]["user"]));
  return DefaultToken{
      model::default_entry(ns, ss, digest),
      MeadowcapAuthorisationToken{McCapability(cap), hex_array<64>(t["signature_hex"])}};
}

TEST(DefaultToken, AuthorisesTheDefaultEntry) {
  const DefaultToken d = default_token();
  EXPECT_TRUE(meadowcap_check_authorised_write(d.entry, d.token).is_ok())
      << meadowcap_check_authorised_write(d.entry, d.token).message();
  EXPECT_TRUE(AuthorisedEntry::verify(d.entry, d.token).is_ok());
}

TEST(DefaultToken, SigningWithTheDefaultSecretReproducesTheSignature) {
  const auto& v = osier::testing::willow25_vectors();
  const auto seed = hex_array<32>(v["default_namespace"]["secret_key_seed_hex"]);
  const auto sk = crypto::Ed25519SecretKey::from_seed(seed);
  const DefaultToken d = default_token();
  auto ae = AuthorisedEntry::sign(d.entry, d.token.capability, sk);
  ASSERT_TRUE(ae.is_ok()) << ae.status().message();
  EXPECT_EQ(ae->token(), d.token);
}

TEST(DefaultToken, ChangingAnyEntryFieldFails) {
  const DefaultToken d = default_token();
  std::vector<model::Entry> changed(6, d.entry);
  changed[0].namespace_id[5] ^= 1;
  changed[1].subspace_id[5] ^= 1;
  changed[2].path = model::Path::from_strings({"a"}).value();
  changed[3].timestamp = 1;
  changed[4].payload_length = 1;
  changed[5].payload_digest[0] ^= 1;
  for (const auto& e : changed) {
    EXPECT_FALSE(meadowcap_is_authorised_write(e, d.token));
    EXPECT_FALSE(AuthorisedEntry::verify(e, d.token).is_ok());
  }
}

TEST(DefaultToken, ChangingAnySignatureByteFails) {
  const DefaultToken d = default_token();
  for (std::size_t i = 0; i < 64; ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      MeadowcapAuthorisationToken t = d.token;
      t.signature[i] ^= bit;
      const Status s = meadowcap_check_authorised_write(d.entry, t);
      EXPECT_FALSE(s.is_ok()) << i;
      EXPECT_THAT(s.message(), HasSubstr("signature")) << i;
    }
  }
}

// A valid write token with `n` delegations and an entry it authorises.
struct Fixture {
  model::Entry entry;
  MeadowcapAuthorisationToken token;
};

Fixture sign_for(const McCapability& cap, McRandom& r) {
  const model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
  auto ae = AuthorisedEntry::sign(e, cap, key(McRandom::tag_of(cap.receiver())));
  EXPECT_TRUE(ae.is_ok()) << ae.status().message();
  return Fixture{e, ae->token()};
}

void expect_fails(const model::Entry& e, const MeadowcapAuthorisationToken& t,
                  const std::string& reason) {
  const Status s = meadowcap_check_authorised_write(e, t);
  EXPECT_EQ(s.code(), ErrorCode::kVerification);
  EXPECT_THAT(s.message(), HasSubstr(reason));
  EXPECT_FALSE(AuthorisedEntry::verify(e, t).is_ok());
}

TEST(Authorisation, RandomValidTokensAuthorise) {
  McRandom r(1);
  for (int i = 0; i < 40; ++i) {
    const Fixture f = sign_for(r.capability(AccessMode::kWrite, r.below(5)), r);
    EXPECT_TRUE(meadowcap_check_authorised_write(f.entry, f.token).is_ok());
  }
}

TEST(ValidityRule, ReadCapabilityUsedForWriting) {
  McRandom r(2);
  for (bool communal : {true, false}) {
    McCapability cap = communal ? McCapability(r.communal(AccessMode::kRead, 1))
                                : McCapability(r.owned(AccessMode::kRead, 1));
    EXPECT_TRUE(cap.is_valid());
    const model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
    const MeadowcapAuthorisationToken t{
        cap, key(McRandom::tag_of(cap.receiver())).sign(model::encode_entry_bytes(e))};
    expect_fails(e, t, "access mode is read, not write");
  }
}

TEST(ValidityRule, CapabilityForNamespaceAUsedInNamespaceB) {
  McRandom r(3);
  const Fixture f = sign_for(r.capability(AccessMode::kWrite, 2), r);
  model::Entry e = f.entry;
  e.namespace_id[0] ^= 1;
  // The signature is over the entry as moved, so only the namespace rule breaks.
  MeadowcapAuthorisationToken t = f.token;
  t.signature = key(McRandom::tag_of(t.capability.receiver())).sign(model::encode_entry_bytes(e));
  expect_fails(e, t, "granted namespace is not the entry's namespace");
}

TEST(ValidityRule, EntryOutsideTheGrantedArea) {
  McRandom r(4);
  const CommunalCapability cap = r.communal(AccessMode::kWrite, 0);
  model::Entry e = r.entry_in(cap.granted_area(), cap.namespace_key);
  e.subspace_id = key(testing::kUsers + 1).public_key();
  const MeadowcapAuthorisationToken t{
      cap, key(McRandom::tag_of(cap.receiver())).sign(model::encode_entry_bytes(e))};
  expect_fails(e, t, "granted area does not include the entry");
}

TEST(ValidityRule, EntrySignedByTheWrongKey) {
  McRandom r(5);
  Fixture f = sign_for(r.capability(AccessMode::kWrite, 1), r);
  f.token.signature = key(99).sign(model::encode_entry_bytes(f.entry));
  expect_fails(f.entry, f.token, "not the capability receiver's signature over the entry");
}

// Replaces the last delegation of `cap` by one over the same handover signed by `signer`
// (who is not the previous receiver): delegate from a copy that pretends `signer` received it.
template <typename Cap>
Cap resign_last(Cap cap, std::uint8_t signer) {
  const Delegation last = cap.delegations.back();
  cap.delegations.pop_back();
  Cap pretend = cap;
  pretend.delegations.back().user = key(signer).public_key();
  cap.delegations.push_back(
      pretend.delegate(key(signer), last.area, last.user).value().delegations.back());
  return cap;
}

TEST(ValidityRule, DelegationSignedByTheWrongSigner) {
  McRandom r(6);
  for (bool communal : {true, false}) {
    McCapability cap = communal ? McCapability(r.communal(AccessMode::kWrite, 2))
                                : McCapability(r.owned(AccessMode::kWrite, 2));
    const std::uint8_t wrong = McRandom::tag_of(cap.delegations()[0].user) % testing::kUsers + 1;
    cap = communal ? McCapability(resign_last(cap.communal(), wrong))
                   : McCapability(resign_last(cap.owned(), wrong));
    const Status s = cap.validate();
    EXPECT_EQ(s.code(), ErrorCode::kVerification);
    EXPECT_THAT(s.message(), HasSubstr("delegation 1: signature is not the previous receiver's"));
    // The receiver is unchanged, so only the chain rule breaks for the token.
    const model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
    const MeadowcapAuthorisationToken t{
        cap, key(McRandom::tag_of(cap.receiver())).sign(model::encode_entry_bytes(e))};
    expect_fails(e, t, "delegation 1: signature is not the previous receiver's");
  }
}

TEST(ValidityRule, DelegationSignatureOverOtherBytes) {
  McRandom r(7);
  OwnedCapability cap = r.owned(AccessMode::kWrite, 3);
  cap.delegations[2].signature[10] ^= 4;
  EXPECT_THAT(cap.validate().message(), HasSubstr("delegation 2: signature"));
}

TEST(ValidityRule, DelegatedAreaNotIncluded) {
  McRandom r(8);
  OwnedCapability cap =
      OwnedCapability::create(namespace_key(false), AccessMode::kWrite, key(1).public_key());
  model::Area narrow{std::nullopt, model::Path::from_strings({"a"}).value(), {0, std::nullopt}};
  cap = cap.delegate(key(1), narrow, key(2).public_key()).value();
  // key(2) signs a handover for a wider area than it was granted; delegate() refuses, so build
  // the handover by pretending the previous area was wide.
  OwnedCapability wide = cap;
  wide.delegations.back().area = model::Area::full();
  model::Area wider{std::nullopt, model::Path(), {0, std::nullopt}};
  auto step = wide.delegate(key(2), wider, key(3).public_key()).value();
  cap.delegations.push_back(step.delegations.back());
  const Status s = cap.validate();
  EXPECT_THAT(s.message(),
              HasSubstr("delegation 1: area not included in the previous granted area"));
  EXPECT_FALSE(cap.delegate(key(2), wider, key(3).public_key()).is_ok());
}

TEST(ValidityRule, CommunalDelegationOutsideTheSubspace) {
  CommunalCapability cap = CommunalCapability::create(
      AccessMode::kWrite, namespace_key(true).public_key(), key(1).public_key());
  const model::Area other = model::Area::subspace_area(key(2).public_key());
  EXPECT_FALSE(cap.delegate(key(1), other, key(3).public_key()).is_ok());
  // key(1) signs a handover for the other subspace, as a chain rooted there would have it.
  CommunalCapability pretend = cap;
  pretend.user_key = key(1).public_key();
  pretend.delegations.push_back(Delegation{model::Area::full(), key(1).public_key(), {}});
  cap.delegations.push_back(
      pretend.delegate(key(1), other, key(3).public_key()).value().delegations.back());
  const Status s = cap.validate();
  EXPECT_THAT(s.message(),
              HasSubstr("delegation 0: area is not within the communal capability's subspace"));
  EXPECT_FALSE(McCapability(cap).is_valid());
}

TEST(ValidityRule, OwnedCapabilitySignedByTheWrongNamespaceKey) {
  const auto& ns = namespace_key(false);
  const auto& other =
      namespace_key(false, static_cast<std::uint8_t>(McRandom::tag_of(ns.public_key()) + 1));
  OwnedCapability cap = OwnedCapability::create(other, AccessMode::kWrite, key(1).public_key());
  cap.namespace_key = ns.public_key();
  const Status s = McCapability(cap).validate();
  EXPECT_THAT(s.message(), HasSubstr("initial authorisation is not the namespace key's signature"));
}

TEST(ValidityRule, OwnedInitialAuthorisationForOtherAccessMode) {
  OwnedCapability cap =
      OwnedCapability::create(namespace_key(false), AccessMode::kRead, key(1).public_key());
  EXPECT_TRUE(cap.is_valid());
  cap.access_mode = AccessMode::kWrite;
  EXPECT_THAT(cap.validate().message(), HasSubstr("initial authorisation"));
}

TEST(ValidityRule, OwnedCapabilityInCommunalNamespace) {
  OwnedCapability cap =
      OwnedCapability::create(namespace_key(true), AccessMode::kWrite, key(1).public_key());
  EXPECT_TRUE(cap.is_valid());  // valid as an OwnedCapability, but not as a Capability
  EXPECT_THAT(McCapability(cap).validate().message(),
              HasSubstr("owned capability for a communal namespace"));
  McRandom r(9);
  const model::Entry e = r.entry_in(cap.granted_area(), cap.namespace_key);
  const MeadowcapAuthorisationToken t{cap, key(1).sign(model::encode_entry_bytes(e))};
  expect_fails(e, t, "owned capability for a communal namespace");
}

TEST(ValidityRule, CommunalCapabilityInOwnedNamespace) {
  CommunalCapability cap = CommunalCapability::create(
      AccessMode::kWrite, namespace_key(false).public_key(), key(1).public_key());
  EXPECT_TRUE(cap.is_valid());
  McRandom r(10);
  const model::Entry e = r.entry_in(cap.granted_area(), cap.namespace_key);
  const MeadowcapAuthorisationToken t{cap, key(1).sign(model::encode_entry_bytes(e))};
  expect_fails(e, t, "communal capability for a namespace that is not communal");
}

TEST(ValidityRule, EmptyDelegatedArea) {
  OwnedCapability cap =
      OwnedCapability::create(namespace_key(false), AccessMode::kRead, key(1).public_key());
  model::Area empty{std::nullopt, model::Path(), {5, 5}};
  EXPECT_FALSE(cap.delegate(key(1), empty, key(2).public_key()).is_ok());
  cap.delegations.push_back(Delegation{empty, key(2).public_key(), {}});
  EXPECT_THAT(cap.validate().message(), HasSubstr("empty time range"));
}

TEST(Delegation, OnlyTheReceiverCanDelegate) {
  McRandom r(11);
  const McCapability cap = r.capability(AccessMode::kRead, 2);
  const std::uint8_t receiver = McRandom::tag_of(cap.receiver());
  const std::uint8_t other = receiver % testing::kUsers + 1;
  EXPECT_FALSE(cap.delegate(key(other), cap.granted_area(), key(1).public_key()).is_ok());
  auto next = cap.delegate(key(receiver), cap.granted_area(), key(other).public_key());
  ASSERT_TRUE(next.is_ok());
  EXPECT_TRUE(next->is_valid());
  EXPECT_EQ(next->receiver(), key(other).public_key());
  EXPECT_EQ(next->progenitor(), cap.progenitor());
  EXPECT_EQ(next->granted_namespace(), cap.granted_namespace());
  EXPECT_EQ(next->granted_area(), cap.granted_area());
}

TEST(Delegation, GrantedAreasOfUndelegatedCapabilities) {
  const auto communal = CommunalCapability::create(
      AccessMode::kRead, namespace_key(true).public_key(), key(1).public_key());
  EXPECT_EQ(communal.granted_area(), model::Area::subspace_area(key(1).public_key()));
  EXPECT_EQ(communal.receiver(), key(1).public_key());
  const auto owned =
      OwnedCapability::create(namespace_key(false), AccessMode::kRead, key(1).public_key());
  EXPECT_EQ(owned.granted_area(), model::Area::full());
  EXPECT_EQ(owned.granted_namespace(), namespace_key(false).public_key());
}

TEST(AuthorisedEntry, SignRefusesAKeyThatIsNotTheReceiver) {
  McRandom r(12);
  const McCapability cap = r.capability(AccessMode::kWrite, 1);
  const model::Entry e = r.entry_in(cap.granted_area(), cap.granted_namespace());
  const std::uint8_t other = McRandom::tag_of(cap.receiver()) % testing::kUsers + 1;
  EXPECT_EQ(AuthorisedEntry::sign(e, cap, key(other)).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace osier::meadowcap
