// sync/secure_stream: the handshake then transport encryption over one byte stream, both ends in
// memory with random splits; transport data glued to the last handshake message; EOF and errors.
#include "sync/secure_stream.hpp"

#include <gtest/gtest.h>

#include <random>

namespace osier::sync {
namespace {

// Moves `from`'s output to `to` in random pieces, collecting `to`'s plaintext.
Status deliver(SecureStream& from, SecureStream& to, Bytes& plain, std::mt19937_64& rng) {
  const Bytes out = from.take_output();
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t n = std::min<std::size_t>(out.size() - pos, 1 + rng() % 700);
    OSIER_RETURN_IF_ERROR(to.receive(ByteView(out).subspan(pos, n), [&plain](ByteView b) {
      plain.insert(plain.end(), b.begin(), b.end());
    }));
    pos += n;
  }
  return Status::ok();
}

TEST(SecureStream, HandshakeThenDataBothWaysWithRandomSplits) {
  std::mt19937_64 rng(3);
  const auto a_key = crypto::Ed25519SecretKey::generate();
  const auto b_key = crypto::Ed25519SecretKey::generate();
  for (int round = 0; round < 20; ++round) {
    auto a = SecureStream::create(HandshakeRole::kInitiator, a_key);
    auto b = SecureStream::create(HandshakeRole::kResponder, b_key);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    Bytes a_got, b_got;
    ASSERT_TRUE(deliver(*a, *b, b_got, rng).is_ok());  // msg1
    ASSERT_TRUE(deliver(*b, *a, a_got, rng).is_ok());  // msg2
    ASSERT_TRUE(a->established());
    EXPECT_FALSE(b->established());
    // The initiator's first data goes out right behind msg3, in the same bytes.
    Bytes data(rng() % 20000);
    for (auto& x : data) x = static_cast<std::uint8_t>(rng());
    ASSERT_TRUE(a->send(data).is_ok());
    ASSERT_TRUE(deliver(*a, *b, b_got, rng).is_ok());
    ASSERT_TRUE(b->established());
    EXPECT_EQ(b_got, data);
    EXPECT_EQ(a->result().h, b->result().h);
    EXPECT_EQ(a->result().peer_static_pk, b_key.public_key());
    EXPECT_EQ(b->result().peer_static_pk, a_key.public_key());
    ASSERT_TRUE(b->send(data).is_ok());
    ASSERT_TRUE(b->send_end().is_ok());
    ASSERT_TRUE(deliver(*b, *a, a_got, rng).is_ok());
    EXPECT_EQ(a_got, data);
    EXPECT_TRUE(a->peer_ended());
    EXPECT_TRUE(b->sent_end());
    EXPECT_FALSE(b->send(data).is_ok());  // nothing after the end
    EXPECT_TRUE(a->finish().is_ok());
    EXPECT_FALSE(b->finish().is_ok());  // a never sent its end marker
    EXPECT_TRUE(b->failed());
  }
}

// The handshake proves no static key (it has no payload tags, docs/spec-notes.md): a peer's key is
// confirmed only by the first transport chunk or end marker that decrypts.
TEST(SecureStream, ThePeersKeyIsConfirmedOnlyByTransportData) {
  std::mt19937_64 rng(5);
  const auto a_key = crypto::Ed25519SecretKey::generate();
  const auto b_key = crypto::Ed25519SecretKey::generate();
  {  // Honest peers: the responder by the first chunk, the initiator by the end marker alone.
    auto a = SecureStream::create(HandshakeRole::kInitiator, a_key);
    auto b = SecureStream::create(HandshakeRole::kResponder, b_key);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    Bytes a_got, b_got;
    ASSERT_TRUE(deliver(*a, *b, b_got, rng).is_ok());  // msg1
    ASSERT_TRUE(deliver(*b, *a, a_got, rng).is_ok());  // msg2
    EXPECT_TRUE(a->established());
    EXPECT_FALSE(a->peer_confirmed());
    ASSERT_TRUE(deliver(*a, *b, b_got, rng).is_ok());  // msg3 alone
    EXPECT_TRUE(b->established());
    EXPECT_FALSE(b->peer_confirmed());
    ASSERT_TRUE(a->send(as_bytes("x")).is_ok());
    ASSERT_TRUE(deliver(*a, *b, b_got, rng).is_ok());
    EXPECT_TRUE(b->peer_confirmed());
    ASSERT_TRUE(b->send_end().is_ok());
    ASSERT_TRUE(deliver(*b, *a, a_got, rng).is_ok());
    EXPECT_TRUE(a->peer_confirmed());
  }
  {  // Garbage glued behind msg2: the initiator's handshake is done, its transport fails, and the
     // responder's key stays unconfirmed.
    auto a = SecureStream::create(HandshakeRole::kInitiator, a_key);
    auto b = SecureStream::create(HandshakeRole::kResponder, b_key);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    Bytes a_got, b_got;
    ASSERT_TRUE(deliver(*a, *b, b_got, rng).is_ok());
    Bytes msg2 = b->take_output();
    msg2.resize(msg2.size() + 40, 0x5a);
    EXPECT_FALSE(a->receive(msg2, [](ByteView) {}).is_ok());
    EXPECT_TRUE(a->established());
    EXPECT_FALSE(a->peer_confirmed());
  }
  {  // An impostor's msg3 claims a victim's key: the responder's handshake completes with the
     // claim, but the impostor's chunk does not decrypt, so it is never confirmed.
    const auto victim = crypto::Ed25519SecretKey::generate().public_key();
    auto imp = Handshake::claiming_for_tests(HandshakeRole::kInitiator,
                                             crypto::Ed25519SecretKey::generate(), victim);
    auto b = SecureStream::create(HandshakeRole::kResponder, b_key);
    ASSERT_TRUE(imp.is_ok() && b.is_ok());
    ASSERT_TRUE(b->receive(imp->take_output(), [](ByteView) {}).is_ok());
    ASSERT_TRUE(imp->receive(b->take_output()).is_ok());
    ASSERT_TRUE(imp->done());
    ASSERT_TRUE(b->receive(imp->take_output(), [](ByteView) {}).is_ok());
    ASSERT_TRUE(b->established());
    EXPECT_EQ(b->result().peer_static_pk, victim);
    EXPECT_FALSE(b->peer_confirmed());
    TransportWriter w(imp->result().sending_key());
    Bytes chunk;
    ASSERT_TRUE(w.write(as_bytes("hello"), chunk).is_ok());
    EXPECT_FALSE(b->receive(chunk, [](ByteView) {}).is_ok());
    EXPECT_FALSE(b->peer_confirmed());
  }
}

TEST(SecureStream, NothingBeforeTheHandshakeAndErrorsAreSticky) {
  const auto key = crypto::Ed25519SecretKey::generate();
  auto a = SecureStream::create(HandshakeRole::kInitiator, key);
  ASSERT_TRUE(a.is_ok());
  EXPECT_FALSE(a->send(as_bytes("x")).is_ok());
  EXPECT_FALSE(a->send_end().is_ok());
  EXPECT_EQ(a->take_output().size(), kHsMsg1Length);
  EXPECT_FALSE(a->finish().is_ok());  // EOF mid-handshake
  EXPECT_TRUE(a->failed());

  auto b = SecureStream::create(HandshakeRole::kResponder, key);
  ASSERT_TRUE(b.is_ok());
  const Bytes bad(kHsMsg1Length, 0xff);  // not a point
  EXPECT_FALSE(b->receive(bad, [](ByteView) {}).is_ok());
  EXPECT_TRUE(b->failed());
  EXPECT_FALSE(b->receive(Bytes(1, 0), [](ByteView) {}).is_ok());
}

}  // namespace
}  // namespace osier::sync
