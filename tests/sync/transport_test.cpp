#include "sync/transport.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "crypto/random.hpp"
#include "support/william3_reference.hpp"
#include "sync/sync_test_util.hpp"

namespace osier::sync {
namespace {

using namespace osier::sync::testing;

crypto::AeadKey vec_aead_key(const char* name) {
  auto k = array_from_hex<32>(hs_vectors()[name].get<std::string>());
  EXPECT_TRUE(k);
  return crypto::AeadKey(k ? *k : ByteArray<32>{});
}

// Feeds `wire` to `reader` in pieces cut at the given sizes (cycled), collecting the output.
Status feed_split(TransportReader& reader, ByteView wire, Bytes& got, std::mt19937_64* rng,
                  std::size_t max_piece) {
  std::size_t pos = 0;
  while (pos < wire.size()) {
    std::size_t n = rng ? 1 + (*rng)() % max_piece : max_piece;
    n = std::min(n, wire.size() - pos);
    OSIER_RETURN_IF_ERROR(
        reader.feed(wire.subspan(pos, n), [&got](ByteView b) { append(got, b); }));
    pos += n;
  }
  return Status::ok();
}

Status feed_all(TransportReader& reader, ByteView wire, Bytes& got) {
  return reader.feed(wire, [&got](ByteView b) { append(got, b); });
}

TEST(Transport, VectorsByteExactBothDirections) {
  for (const char* from : {"initiator", "responder"}) {
    const char* key_name = std::string(from) == "initiator" ? "aeadk1" : "aeadk2";
    TransportWriter writer(vec_aead_key(key_name));
    TransportReader reader(vec_aead_key(key_name));
    Bytes wire, plain_all;
    for (const auto& t : hs_vectors()["transport"]) {
      if (t["from"].get<std::string>() != from) continue;
      Bytes out;
      if (t["plaintext"].is_null()) {
        ASSERT_TRUE(writer.write_end(out).is_ok());
        EXPECT_EQ(to_hex(out), t["end_of_stream"].get<std::string>());
      } else {
        Bytes plain = vec_bytes(t["plaintext"]);
        ASSERT_TRUE(writer.write(plain, out).is_ok());
        EXPECT_EQ(to_hex(out), t["ciphertext"].get<std::string>()) << plain.size();
        append(plain_all, plain);
      }
      append(wire, out);
    }
    EXPECT_TRUE(writer.ended());
    Bytes got;
    ASSERT_TRUE(feed_all(reader, wire, got).is_ok());
    EXPECT_TRUE(reader.ended());
    EXPECT_TRUE(reader.finish().is_ok());
    EXPECT_EQ(got, plain_all);
    EXPECT_EQ(reader.delivered_bytes(), plain_all.size());
    // The other direction's key does not read it.
    TransportReader wrong(vec_aead_key(std::string(key_name) == "aeadk1" ? "aeadk2" : "aeadk1"));
    EXPECT_EQ(feed_all(wrong, wire, got).code(), ErrorCode::kVerification);
  }
}

// A whole session after the vector handshake: each side writes with its sending key and the
// other reads with its receiving key.
TEST(Transport, AfterTheHandshakeBothWays) {
  auto a = crypto::Ed25519SecretKey::generate(), b = crypto::Ed25519SecretKey::generate();
  auto ini = Handshake::initiator(a);
  auto res = Handshake::responder(b);
  run_handshake(*ini, *res);
  ASSERT_TRUE(ini->done() && res->done());
  std::mt19937_64 rng(5);
  for (int dir = 0; dir < 2; ++dir) {
    const HandshakeResult& from = dir == 0 ? ini->result() : res->result();
    const HandshakeResult& to = dir == 0 ? res->result() : ini->result();
    TransportWriter writer(from.sending_key());
    TransportReader reader(to.receiving_key());
    Bytes wire, sent, got;
    for (std::size_t len : {1, 2, 4095, 4096, 4097, 8192, 10000, 0, 17, 65536 + 3}) {
      Bytes m = osier::testing::random_bytes(len, rng());
      ASSERT_TRUE(writer.write(m, wire).is_ok());
      append(sent, m);
    }
    ASSERT_TRUE(writer.write_end(wire).is_ok());
    ASSERT_TRUE(feed_split(reader, wire, got, &rng, 9000).is_ok());
    EXPECT_EQ(got, sent);
    EXPECT_TRUE(reader.finish().is_ok());
  }
}

TEST(Transport, RandomMessagesRandomSplits) {
  std::mt19937_64 rng(42);
  crypto::AeadKey key(crypto::random_array<32>());
  for (int round = 0; round < 60; ++round) {
    TransportWriter writer(key);
    TransportReader reader(key);
    Bytes wire, sent, got;
    int messages = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < messages; ++i) {
      static const std::size_t kSizes[] = {1,    2,    3,    15,   16,   17,
                                           1000, 4095, 4096, 4097, 8191, 12289};
      std::size_t len = rng() % 2 ? kSizes[rng() % std::size(kSizes)] : rng() % 20000;
      Bytes m = osier::testing::random_bytes(len, rng());
      if (rng() % 2 && !m.empty() && m.size() <= kMaxChunkLength) {
        ASSERT_TRUE(writer.write_chunk(m, wire).is_ok());
      } else {
        ASSERT_TRUE(writer.write(m, wire).is_ok());
      }
      append(sent, m);
    }
    ASSERT_TRUE(writer.write_end(wire).is_ok());
    std::size_t max_piece = round % 3 == 0 ? 1 : round % 3 == 1 ? 40 : 10000;
    ASSERT_TRUE(feed_split(reader, wire, got, &rng, max_piece).is_ok()) << round;
    EXPECT_EQ(got, sent) << round;
    EXPECT_TRUE(reader.ended());
    EXPECT_TRUE(reader.finish().is_ok());
  }
}

// A short stream: two chunks and the end marker.
struct ShortStream {
  crypto::AeadKey key{ByteArray<32>{1, 2, 3}};
  Bytes wire;
  std::size_t chunk1_end = 0, chunk2_end = 0;
  ShortStream() {
    TransportWriter w(key);
    EXPECT_TRUE(w.write(as_bytes("first chunk"), wire).is_ok());
    chunk1_end = wire.size();
    EXPECT_TRUE(w.write(as_bytes("second"), wire).is_ok());
    chunk2_end = wire.size();
    EXPECT_TRUE(w.write_end(wire).is_ok());
  }
};

TEST(Transport, EveryFlippedBitIsAnError) {
  ShortStream s;
  for (std::size_t bit = 0; bit < s.wire.size() * 8; ++bit) {
    Bytes bad = s.wire;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    TransportReader reader(s.key);
    Bytes got;
    Status st = feed_all(reader, bad, got);
    ASSERT_EQ(st.code(), ErrorCode::kVerification) << bit;
    EXPECT_TRUE(reader.failed());
    EXPECT_FALSE(reader.finish().is_ok());
    // Nothing from the altered chunk (or after it) came out.
    std::size_t byte = bit / 8;
    EXPECT_LE(got.size(), byte < s.chunk1_end ? 0u : byte < s.chunk2_end ? 11u : 17u) << bit;
  }
}

TEST(Transport, ReorderedAndReplayedChunksAreErrors) {
  ShortStream s;
  ByteView w(s.wire);
  ByteView c1 = w.first(s.chunk1_end);
  ByteView c2 = w.subspan(s.chunk1_end, s.chunk2_end - s.chunk1_end);
  ByteView end = w.subspan(s.chunk2_end);
  auto run = [&](std::initializer_list<ByteView> parts) {
    Bytes wire, got;
    for (ByteView p : parts) append(wire, p);
    TransportReader reader(s.key);
    Status st = feed_all(reader, wire, got);
    if (st.is_ok()) st = reader.finish();
    return st;
  };
  EXPECT_TRUE(run({c1, c2, end}).is_ok());
  EXPECT_EQ(run({c2, c1, end}).code(), ErrorCode::kVerification);      // reordered
  EXPECT_EQ(run({c1, c1, c2, end}).code(), ErrorCode::kVerification);  // replayed
  EXPECT_EQ(run({c1, end}).code(), ErrorCode::kVerification);          // a chunk dropped
  // Length and data frames swapped inside one chunk.
  Bytes swapped(c1.begin() + kEncryptedLengthBytes, c1.end());
  append(swapped, c1.first(kEncryptedLengthBytes));
  EXPECT_EQ(run({swapped, c2, end}).code(), ErrorCode::kVerification);
}

// Builds a length frame the writer would never send, as a hostile peer would.
Bytes length_frame(const crypto::AeadKey& key, std::uint64_t nonce, std::uint16_t length) {
  const std::uint8_t be[2] = {static_cast<std::uint8_t>(length >> 8),
                              static_cast<std::uint8_t>(length)};
  Bytes out(kEncryptedLengthBytes);
  crypto::aead_encrypt(key, nonce, {}, be, out);
  return out;
}

TEST(Transport, DeclaredLengthOver4096IsAnError) {
  crypto::AeadKey key(ByteArray<32>{9});
  for (std::uint16_t len : {std::uint16_t{4097}, std::uint16_t{0x8000}, std::uint16_t{0xffff}}) {
    TransportReader reader(key);
    Bytes got;
    Status st = feed_all(reader, length_frame(key, 0, len), got);
    EXPECT_EQ(st.code(), ErrorCode::kOutOfRange) << len;
    EXPECT_TRUE(reader.failed());
  }
  // 4096 itself is fine (and then waits for its data).
  TransportReader reader(key);
  Bytes got;
  EXPECT_TRUE(feed_all(reader, length_frame(key, 0, 4096), got).is_ok());
  EXPECT_EQ(reader.finish().code(), ErrorCode::kIncomplete);
}

TEST(Transport, DataAfterTheEndMarkerIsAnError) {
  ShortStream s;
  Bytes got;
  {  // a stray byte, in the same piece
    Bytes wire = s.wire;
    wire.push_back(0);
    TransportReader reader(s.key);
    EXPECT_EQ(feed_all(reader, wire, got).code(), ErrorCode::kInvalidEncoding);
  }
  {  // a properly encrypted chunk after the end, in a later piece
    TransportReader reader(s.key);
    got.clear();
    ASSERT_TRUE(feed_all(reader, s.wire, got).is_ok());
    ASSERT_TRUE(reader.ended());
    Bytes more = length_frame(s.key, 5, 3);
    EXPECT_EQ(feed_all(reader, more, got).code(), ErrorCode::kInvalidEncoding);
    EXPECT_FALSE(reader.finish().is_ok());
  }
  {  // the writer refuses too
    TransportWriter w(s.key);
    Bytes out;
    ASSERT_TRUE(w.write_end(out).is_ok());
    EXPECT_FALSE(w.write(as_bytes("x"), out).is_ok());
    EXPECT_FALSE(w.write_end(out).is_ok());
  }
}

TEST(Transport, EofWithoutTheEndMarkerIsAnError) {
  ShortStream s;
  for (std::size_t cut = 0; cut < s.wire.size(); ++cut) {
    TransportReader reader(s.key);
    Bytes got;
    ASSERT_TRUE(feed_all(reader, ByteView(s.wire).first(cut), got).is_ok()) << cut;
    EXPECT_EQ(reader.finish().code(), ErrorCode::kIncomplete) << cut;
  }
}

TEST(Transport, WriterRefusesChunksOutsideOneTo4096) {
  crypto::AeadKey key(ByteArray<32>{4});
  TransportWriter w(key);
  Bytes out;
  EXPECT_EQ(w.write_chunk({}, out).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(w.write_chunk(Bytes(kMaxChunkLength + 1), out).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(w.write_chunk(Bytes(kMaxChunkLength), out).is_ok());
  EXPECT_EQ(out.size(), kMaxEncryptedChunkBytes);
  // write() of 4097 bytes makes a chunk of 4096 and one of 1.
  Bytes out2;
  ASSERT_TRUE(w.write(Bytes(kMaxChunkLength + 1), out2).is_ok());
  EXPECT_EQ(out2.size(),
            kMaxEncryptedChunkBytes + kEncryptedLengthBytes + 1 + crypto::kAeadTagLength);
}

TEST(Transport, NonceCounterStopsAtTwoToTheSixtyFour) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  TransportNonce n(kMax - 2);
  EXPECT_EQ(*n.take(1), kMax - 2);
  EXPECT_FALSE(n.take(3).is_ok());  // not all exist: nothing reserved
  EXPECT_EQ(*n.take(2), kMax - 1);
  EXPECT_TRUE(n.exhausted());
  EXPECT_FALSE(n.take(1).is_ok());
  EXPECT_FALSE(TransportNonce(0).take(0).is_ok());

  crypto::AeadKey key(ByteArray<32>{7});
  {  // a chunk takes nonces 2^64-2 and 2^64-1; the end marker would need one more
    TransportWriter w(key, kMax - 1);
    Bytes out;
    ASSERT_TRUE(w.write(as_bytes("last"), out).is_ok());
    EXPECT_EQ(w.write_end(out).code(), ErrorCode::kOutOfRange);
    TransportReader r(key, kMax - 1);
    Bytes got;
    ASSERT_TRUE(feed_all(r, out, got).is_ok());
    EXPECT_EQ(got, Bytes(as_bytes("last").begin(), as_bytes("last").end()));
    // Anything more would need a nonce past the last.
    EXPECT_EQ(feed_all(r, Bytes(kEncryptedLengthBytes), got).code(), ErrorCode::kOutOfRange);
  }
  {  // one nonce left: no chunk fits, and after that refusal nothing more is sent
    TransportWriter w(key, kMax);
    Bytes out;
    EXPECT_EQ(w.write(as_bytes("x"), out).code(), ErrorCode::kOutOfRange);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(w.write_end(out).is_ok());
  }
  {  // the end marker on the very last nonce
    TransportWriter w(key, kMax);
    Bytes out;
    ASSERT_TRUE(w.write_end(out).is_ok());
    TransportReader r(key, kMax);
    Bytes got;
    ASSERT_TRUE(feed_all(r, out, got).is_ok());
    EXPECT_TRUE(r.finish().is_ok());
  }
}

}  // namespace
}  // namespace osier::sync
