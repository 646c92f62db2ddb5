// McEnumerationCapability: creation, delegation, receiver, and each validity rule broken alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mc_test_util.hpp"

namespace osier::meadowcap {
namespace {

using ::testing::HasSubstr;
using testing::key;
using testing::namespace_key;

TEST(EnumerationCapability, CreateDelegateReceiver) {
  auto cap = McEnumerationCapability::create(namespace_key(false), key(1).public_key());
  EXPECT_TRUE(cap.is_valid());
  EXPECT_EQ(cap.receiver(), key(1).public_key());
  EXPECT_EQ(cap.granted_namespace(), namespace_key(false).public_key());
  auto two = cap.delegate(key(1), key(2).public_key());
  ASSERT_TRUE(two.is_ok());
  auto three = two->delegate(key(2), key(3).public_key());
  ASSERT_TRUE(three.is_ok());
  EXPECT_TRUE(three->is_valid()) << three->validate().message();
  EXPECT_EQ(three->receiver(), key(3).public_key());
  EXPECT_EQ(three->delegations.size(), 2u);
  EXPECT_EQ(cap.delegate(key(2), key(3).public_key()).status().code(), ErrorCode::kInvalidArgument);
}

TEST(EnumerationCapability, InitialAuthorisationByTheWrongNamespaceKey) {
  auto cap = McEnumerationCapability::create(namespace_key(false), key(1).public_key());
  cap.namespace_key = namespace_key(true).public_key();
  EXPECT_THAT(cap.validate().message(),
              HasSubstr("initial authorisation is not the namespace key's signature"));
}

TEST(EnumerationCapability, InitialAuthorisationForAnotherUser) {
  auto cap = McEnumerationCapability::create(namespace_key(false), key(1).public_key());
  cap.user_key = key(2).public_key();
  EXPECT_THAT(cap.validate().message(), HasSubstr("initial authorisation"));
}

TEST(EnumerationCapability, DelegationSignedByTheWrongSigner) {
  auto cap = McEnumerationCapability::create(namespace_key(false), key(1).public_key())
                 .delegate(key(1), key(2).public_key())
                 .value();
  // key(3) signs what key(2) should have signed.
  auto pretend = cap;
  pretend.delegations.back().user = key(3).public_key();
  auto forged = pretend.delegate(key(3), key(4).public_key()).value();
  cap.delegations.push_back(forged.delegations.back());
  EXPECT_THAT(cap.validate().message(),
              HasSubstr("delegation 1: signature is not the previous receiver's"));
}

TEST(EnumerationCapability, OwnedCapabilityAuthorisationDoesNotTransfer) {
  // The initial authorisations are domain-separated (0x02/0x03 vs 0x04).
  auto owned =
      OwnedCapability::create(namespace_key(false), AccessMode::kRead, key(1).public_key());
  McEnumerationCapability cap{owned.namespace_key, owned.user_key, owned.initial_authorisation, {}};
  EXPECT_FALSE(cap.is_valid());
}

}  // namespace
}  // namespace osier::meadowcap
