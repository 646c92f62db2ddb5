#include "sync/handshake.hpp"

#include <gtest/gtest.h>

#include <random>

#include "crypto/hs_dh.hpp"
#include "crypto/hs_hkdf.hpp"
#include "osier/crypto/william3.hpp"
#include "support/william3_reference.hpp"
#include "sync/sync_test_util.hpp"

namespace osier::sync {
namespace {

using namespace osier::sync::testing;
using crypto::Ed25519SecretKey;

std::string trace(const char* role, const std::string& step) {
  for (const auto& row : hs_vectors()["trace"][role]) {
    if (row[0].get<std::string>() == step) return row[1].get<std::string>();
  }
  ADD_FAILURE() << "no trace step '" << step << "' for " << role;
  return {};
}

struct VectorPeers {
  Ed25519SecretKey ini_s = vec_key("initiator", "static_seed");
  Ed25519SecretKey ini_e = vec_key("initiator", "ephemeral_seed");
  Ed25519SecretKey res_s = vec_key("responder", "static_seed");
  Ed25519SecretKey res_e = vec_key("responder", "ephemeral_seed");
  Bytes prologue = vec_bytes(hs_vectors()["prologue"]);

  Handshake initiator() const {
    auto hs = Handshake::with_ephemeral(HandshakeRole::kInitiator, ini_s, ini_e, prologue);
    EXPECT_TRUE(hs.is_ok());
    return std::move(hs).value();
  }
  Handshake responder() const {
    auto hs = Handshake::with_ephemeral(HandshakeRole::kResponder, res_s, res_e, prologue);
    EXPECT_TRUE(hs.is_ok());
    return std::move(hs).value();
  }
};

TEST(Handshake, VectorTranscriptByteExact) {
  VectorPeers p;
  EXPECT_EQ(to_hex(p.prologue), to_hex(kDefaultPrologue));
  Handshake ini = p.initiator();
  Handshake res = p.responder();
  EXPECT_EQ(to_hex(res.transcript_hash()), trace("responder", "h after prologue"));
  // -> e
  Bytes msg1 = ini.take_output();
  EXPECT_EQ(to_hex(msg1), hs_vectors()["messages"][0].get<std::string>());
  EXPECT_EQ(to_hex(msg1), trace("initiator", "msg1 e"));
  EXPECT_EQ(to_hex(ini.transcript_hash()), trace("initiator", "h after msg1 e"));
  auto used = res.receive(msg1);
  ASSERT_TRUE(used.is_ok()) << used.status().to_string();
  EXPECT_EQ(*used, kHsMsg1Length);
  // <- e, ee, s, es
  Bytes msg2 = res.take_output();
  EXPECT_EQ(to_hex(msg2), hs_vectors()["messages"][1].get<std::string>());
  EXPECT_EQ(to_hex(ByteView(msg2).subspan(kHsPkLength)), trace("responder", "cyphertext1"));
  EXPECT_EQ(to_hex(res.transcript_hash()), trace("responder", "h after cyphertext1"));
  EXPECT_FALSE(res.done());
  used = ini.receive(msg2);
  ASSERT_TRUE(used.is_ok()) << used.status().to_string();
  EXPECT_EQ(*used, kHsMsg2Length);
  // s, se ->
  Bytes msg3 = ini.take_output();
  EXPECT_EQ(to_hex(msg3), hs_vectors()["messages"][2].get<std::string>());
  EXPECT_EQ(to_hex(msg3), trace("initiator", "cyphertext2"));
  ASSERT_TRUE(ini.done());
  used = res.receive(msg3);
  ASSERT_TRUE(used.is_ok()) << used.status().to_string();
  ASSERT_TRUE(res.done());
  EXPECT_TRUE(res.take_output().empty());

  for (const Handshake* hs : {&ini, &res}) {
    const HandshakeResult& r = hs->result();
    EXPECT_EQ(to_hex(r.h), hs_vectors()["h"].get<std::string>());
    EXPECT_EQ(to_hex(r.h), hs_vectors()["ini_salt"].get<std::string>());
    EXPECT_EQ(to_hex(r.aeadk1.view()), hs_vectors()["aeadk1"].get<std::string>());
    EXPECT_EQ(to_hex(r.aeadk2.view()), hs_vectors()["aeadk2"].get<std::string>());
    // res_salt (PIO) is every bit of h flipped: checked here so the vector file's value is
    // accounted for; PIO will compute it from r.h.
    Bytes res_salt(r.h.begin(), r.h.end());
    for (auto& b : res_salt) b = static_cast<std::uint8_t>(~b);
    EXPECT_EQ(to_hex(res_salt), hs_vectors()["res_salt"].get<std::string>());
    EXPECT_TRUE(hs->finish().is_ok());
  }
  EXPECT_EQ(to_hex(ini.result().peer_static_pk),
            hs_vectors()["responder"]["static_pk"].get<std::string>());
  EXPECT_EQ(to_hex(res.result().peer_static_pk),
            hs_vectors()["initiator"]["static_pk"].get<std::string>());
  EXPECT_EQ(to_hex(ini.result().sending_key().view()), hs_vectors()["aeadk1"].get<std::string>());
  EXPECT_EQ(to_hex(res.result().sending_key().view()), hs_vectors()["aeadk2"].get<std::string>());
  EXPECT_EQ(ini.result().receiving_key().bytes(), res.result().sending_key().bytes());
}

TEST(Handshake, OneByteAtATimeGivesTheSameTranscript) {
  VectorPeers p;
  Handshake ini = p.initiator();
  Handshake res = p.responder();
  Handshake* from = &ini;
  Handshake* to = &res;
  for (int msg = 0; msg < 3; ++msg) {
    Bytes out = from->take_output();
    EXPECT_EQ(to_hex(out), hs_vectors()["messages"][msg].get<std::string>());
    for (std::uint8_t b : out) {
      auto used = to->receive(ByteView(&b, 1));
      ASSERT_TRUE(used.is_ok());
      EXPECT_EQ(*used, 1u);
    }
    std::swap(from, to);
  }
  ASSERT_TRUE(ini.done() && res.done());
  EXPECT_EQ(to_hex(res.result().h), hs_vectors()["h"].get<std::string>());
}

TEST(Handshake, BothRolesAgreeOverRandomKeysAndPrologues) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 1000; ++i) {
    auto a = Ed25519SecretKey::generate(), b = Ed25519SecretKey::generate();
    Bytes prologue = osier::testing::random_bytes(rng() % 65, rng());
    auto ini = Handshake::initiator(a, prologue);
    auto res = Handshake::responder(b, prologue);
    ASSERT_TRUE(ini.is_ok() && res.is_ok());
    run_handshake(*ini, *res);
    ASSERT_TRUE(ini->done() && res->done()) << i;
    const HandshakeResult& ri = ini->result();
    const HandshakeResult& rr = res->result();
    ASSERT_EQ(ri.h, rr.h);
    ASSERT_EQ(ri.aeadk1.bytes(), rr.aeadk1.bytes());
    ASSERT_EQ(ri.aeadk2.bytes(), rr.aeadk2.bytes());
    ASSERT_NE(ri.aeadk1.bytes(), ri.aeadk2.bytes());
    ASSERT_EQ(ri.peer_static_pk, b.public_key());
    ASSERT_EQ(rr.peer_static_pk, a.public_key());
  }
}

TEST(Handshake, DifferentProloguesFail) {
  auto a = Ed25519SecretKey::generate(), b = Ed25519SecretKey::generate();
  Bytes other(16, 0);
  other[15] = 1;
  auto ini = Handshake::initiator(a);
  auto res = Handshake::responder(b, other);
  run_handshake(*ini, *res);
  EXPECT_TRUE(ini->failed());
  EXPECT_EQ(ini->error().code(), ErrorCode::kVerification);
  EXPECT_FALSE(res->done());
  // An empty prologue is not the default one either.
  auto ini2 = Handshake::initiator(a, ByteView{});
  auto res2 = Handshake::responder(b);
  run_handshake(*ini2, *res2);
  EXPECT_TRUE(ini2->failed());
}

TEST(Handshake, EverySingleBitFlipInEveryMessageFails) {
  VectorPeers p;
  const std::size_t lengths[3] = {kHsMsg1Length, kHsMsg2Length, kHsMsg3Length};
  for (int msg = 0; msg < 3; ++msg) {
    for (std::size_t bit = 0; bit < lengths[msg] * 8; ++bit) {
      Handshake ini = p.initiator();
      Handshake res = p.responder();
      run_handshake(ini, res, [&](int m, Bytes& bytes) {
        if (m == msg) bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      });
      // The side that reads the altered message, or the one that reads the next message
      // (a changed msg1 changes the responder's transcript, so msg2 does not decrypt),
      // aborts; the responder never completes.
      Handshake& reader = msg == 2 ? res : ini;
      ASSERT_TRUE(reader.failed() || res.failed()) << "msg " << msg + 1 << " bit " << bit;
      ASSERT_FALSE(res.done()) << "msg " << msg + 1 << " bit " << bit;
      if (msg < 2) {
        ASSERT_FALSE(ini.done()) << "msg " << msg + 1 << " bit " << bit;
      }
    }
  }
}

TEST(Handshake, TruncatedMessagesNeverComplete) {
  VectorPeers p;
  const std::size_t lengths[3] = {kHsMsg1Length, kHsMsg2Length, kHsMsg3Length};
  for (int msg = 0; msg < 3; ++msg) {
    for (std::size_t cut = 0; cut < lengths[msg]; ++cut) {
      Handshake ini = p.initiator();
      Handshake res = p.responder();
      bool truncated = false;
      run_handshake(ini, res, [&](int m, Bytes& bytes) {
        if (m == msg) {
          bytes.resize(cut);
          truncated = true;
        }
      });
      ASSERT_TRUE(truncated);
      Handshake& reader = msg == 1 ? ini : res;
      EXPECT_FALSE(reader.done());
      // The connection closes: the handshake is incomplete.
      EXPECT_EQ(reader.finish().code(), ErrorCode::kIncomplete);
    }
  }
}

TEST(Handshake, ExtendedMessagesFail) {
  VectorPeers p;
  // A byte too many after msg1 becomes the first byte of msg3, which then does not decrypt.
  {
    Handshake ini = p.initiator();
    Handshake res = p.responder();
    run_handshake(ini, res, [](int m, Bytes& bytes) {
      if (m == 0) bytes.push_back(0);
    });
    EXPECT_TRUE(res.failed());
    EXPECT_EQ(res.error().code(), ErrorCode::kVerification);
  }
  // Bytes after msg2 or msg3 are not consumed: they belong to the transport (which rejects
  // them unless they are an encrypted chunk).
  {
    Handshake ini = p.initiator();
    Handshake res = p.responder();
    ASSERT_TRUE(res.receive(ini.take_output()).is_ok());
    Bytes msg2 = res.take_output();
    msg2.push_back(7);
    auto used = ini.receive(msg2);
    ASSERT_TRUE(used.is_ok());
    EXPECT_EQ(*used, kHsMsg2Length);
    Bytes msg3 = ini.take_output();
    msg3.insert(msg3.end(), {1, 2, 3});
    used = res.receive(msg3);
    ASSERT_TRUE(used.is_ok());
    EXPECT_EQ(*used, kHsMsg3Length);
    EXPECT_TRUE(res.done());
    // A done handshake consumes nothing more.
    used = res.receive(msg3);
    ASSERT_TRUE(used.is_ok());
    EXPECT_EQ(*used, 0u);
  }
}

// Small-order, non-canonical and off-curve ephemeral keys, in msg1 and in msg2.
TEST(Handshake, BadEphemeralPointsAreRejected) {
  VectorPeers p;
  const char* bad[] = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0200000000000000000000000000000000000000000000000000000000000000",
  };
  for (const char* hex : bad) {
    Bytes point = *from_hex(hex);
    Handshake res = p.responder();
    auto used = res.receive(point);
    EXPECT_FALSE(used.is_ok()) << hex;
    EXPECT_TRUE(res.failed());
    EXPECT_TRUE(res.take_output().empty()) << "no msg2 after a bad msg1";

    Handshake ini = p.initiator();
    Handshake res2 = p.responder();
    ASSERT_TRUE(res2.receive(ini.take_output()).is_ok());
    Bytes msg2 = res2.take_output();
    std::copy(point.begin(), point.end(), msg2.begin());
    EXPECT_FALSE(ini.receive(msg2).is_ok()) << hex;
    EXPECT_TRUE(ini.failed());
    EXPECT_TRUE(ini.take_output().empty()) << "no msg3 after a bad msg2";
  }
}

// A responder whose (encrypted, authenticated) static key is a small-order point: built by
// hand from the key schedule, since no Ed25519SecretKey has such a public key.
TEST(Handshake, BadStaticPointIsRejectedAfterDecryption) {
  VectorPeers p;
  Handshake ini = p.initiator();
  Bytes msg1 = ini.take_output();
  crypto::Ed25519PublicKey bad_spk{};
  bad_spk[0] = 1;  // the identity
  // Responder side, as in the spec: h, ck from the protocol name and prologue.
  ByteArray<32> h = crypto::william3(as_bytes(kHsProtocolName));
  crypto::SecretArray<32> ck(h);
  auto mix = [&h](ByteView data) {
    crypto::William3Hasher hasher;
    hasher.update(h);
    hasher.update(data);
    h = hasher.finalize();
  };
  mix(p.prologue);
  mix(msg1);
  mix(p.res_e.public_key());
  crypto::Ed25519PublicKey ini_epk;
  std::copy(msg1.begin(), msg1.end(), ini_epk.begin());
  auto ee = crypto::hs_dh(crypto::hs_dh_scalar(p.res_e), ini_epk);
  ASSERT_TRUE(ee.is_ok());
  crypto::HsHkdfOutputs keys = crypto::hs_hkdf(ck, ee->view());
  Bytes msg2(p.res_e.public_key().begin(), p.res_e.public_key().end());
  ByteArray<48> cypher;
  crypto::aead_encrypt(keys.second, 0, h, bad_spk, cypher);
  msg2.insert(msg2.end(), cypher.begin(), cypher.end());
  // The ciphertext checks out, but the key inside is refused before anything uses it.
  auto used = ini.receive(msg2);
  ASSERT_FALSE(used.is_ok());
  EXPECT_NE(used.status().message().find("prime order"), std::string::npos)
      << used.status().to_string();
  EXPECT_TRUE(ini.take_output().empty());
  EXPECT_FALSE(ini.done());
}

TEST(Handshake, ErrorsAreSticky) {
  VectorPeers p;
  Handshake ini = p.initiator();
  Handshake res = p.responder();
  ASSERT_TRUE(res.receive(ini.take_output()).is_ok());
  Bytes msg2 = res.take_output();
  msg2[40] ^= 1;
  ASSERT_FALSE(ini.receive(msg2).is_ok());
  // The right message afterwards does not revive it.
  Handshake res2 = p.responder();
  Handshake ini2 = p.initiator();
  ASSERT_TRUE(res2.receive(ini2.take_output()).is_ok());
  EXPECT_FALSE(ini.receive(res2.take_output()).is_ok());
  EXPECT_FALSE(ini.receive({}).is_ok());
  EXPECT_FALSE(ini.finish().is_ok());
}

TEST(Handshake, OverlongPrologueIsRefused) {
  auto a = Ed25519SecretKey::generate();
  Bytes prologue(kMaxPrologueLength + 1);
  EXPECT_EQ(Handshake::initiator(a, prologue).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Handshake::initiator(a, Bytes(kMaxPrologueLength)).is_ok());
}

}  // namespace
}  // namespace osier::sync
