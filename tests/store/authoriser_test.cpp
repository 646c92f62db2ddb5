// The Meadowcap write check as the store uses it: real tokens in, forged ones rejected.
#include "osier/store/authoriser.hpp"

#include <gtest/gtest.h>

#include "osier/crypto/ed25519.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/communal_capability.hpp"
#include "store/memory_store.hpp"

namespace osier::store {
namespace {

struct Signed {
  model::Entry entry;
  Bytes token;
};

Signed make_signed(const crypto::Ed25519SecretKey& user, const model::NamespaceId& ns) {
  model::Entry e;
  e.namespace_id = ns;
  e.subspace_id = user.public_key();
  e.path = model::Path::from_strings({"blog", "post"}).value();
  e.timestamp = 1000;
  e.payload_length = 3;
  auto cap =
      meadowcap::CommunalCapability::create(meadowcap::AccessMode::kWrite, ns, user.public_key());
  auto ae = meadowcap::AuthorisedEntry::sign(e, cap, user);
  EXPECT_TRUE(ae) << ae.status().to_string();
  return Signed{e, encode_token_bytes(ae->token()).value()};
}

model::NamespaceId communal_ns() {
  model::NamespaceId ns{};
  ns.fill(0x33);
  ns.back() = 0x18;  // bit 0 of the last byte is 0: communal
  return ns;
}

TEST(MeadowcapAuthoriser, TokenBytesRoundTrip) {
  auto user = crypto::Ed25519SecretKey::generate();
  Signed s = make_signed(user, communal_ns());
  auto token = decode_token_bytes(s.token);
  ASSERT_TRUE(token) << token.status().to_string();
  EXPECT_EQ(encode_token_bytes(*token).value(), s.token);
  Bytes longer = s.token;
  longer.push_back(0);
  EXPECT_FALSE(decode_token_bytes(longer));
  EXPECT_FALSE(decode_token_bytes(ByteView(s.token).first(s.token.size() - 1)));
}

TEST(MeadowcapAuthoriser, StoreAcceptsValidAndRejectsForgedTokens) {
  auto user = crypto::Ed25519SecretKey::generate();
  Signed s = make_signed(user, communal_ns());
  MemoryStore store(meadowcap_authoriser());

  Bytes forged = s.token;
  forged.back() ^= 1;  // the signature no longer verifies
  auto r = store.ingest({s.entry, forged});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, IngestOutcome::kRejected);

  model::Entry other_ns = s.entry;
  other_ns.namespace_id.front() ^= 0x80;  // a capability for one namespace is not for another
  r = store.ingest({other_ns, s.token});
  EXPECT_EQ(r->outcome, IngestOutcome::kRejected);

  r = store.ingest({s.entry, Bytes{1, 2, 3}});
  EXPECT_EQ(r->outcome, IngestOutcome::kRejected);

  r = store.ingest({s.entry, s.token});
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted) << r->reason.to_string();
  EXPECT_TRUE(store.check());
}

}  // namespace
}  // namespace osier::store
