// Sync channel costs (sync/handshake, sync/transport), each against raw libsodium in the same
// run:
//   transport/<chunk>    one chunk written (TransportWriter::write_chunk) and read back
//                        (TransportReader::feed): two AEAD encryptions and decryptions
//                        (length and data) per chunk
//   raw_aead/<chunk>     crypto_aead_chacha20poly1305_ietf encrypt + decrypt of the chunk
//   handshake            a whole Nose XX handshake, both sides in one process (fresh
//                        ephemeral keys, 6 hs_dh, the hashing and HKDF)
//   raw_handshake_ops    the public-key work a handshake cannot avoid: 2 ephemeral key
//                        generations and 6 crypto_scalarmult_ed25519
//   handshake_floor      everything a handshake cannot avoid, both sides: per side 4 scalar
//                        multiplications (1 ephemeral key generation, 3 hs_dh) and the same
//                        hashing (WILLIAM3 of the protocol name, 5 mix_hash, 4 HKDF) and AEAD
//                        work (2 x 32 bytes) as the handshake
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <algorithm>

#include "crypto/aead.hpp"
#include "crypto/hs_dh.hpp"
#include "crypto/hs_hkdf.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/crypto/william3.hpp"
#include "sync/handshake.hpp"
#include "sync/transport.hpp"

namespace {

using namespace osier;
using namespace osier::sync;

void transport(benchmark::State& state) {
  const std::size_t len = static_cast<std::size_t>(state.range(0));
  crypto::AeadKey key(ByteArray<32>{1, 2, 3});
  TransportWriter writer(key);
  TransportReader reader(key);
  Bytes chunk(len, 0xa5), wire;  // AEAD speed does not depend on the bytes
  wire.reserve(kMaxEncryptedChunkBytes);
  std::size_t got = 0;
  const TransportReader::Deliver deliver = [&got](ByteView b) { got += b.size(); };
  for (auto _ : state) {
    wire.clear();
    if (!writer.write_chunk(chunk, wire).is_ok()) state.SkipWithError("write failed");
    if (!reader.feed(wire, deliver).is_ok()) state.SkipWithError("read failed");
  }
  benchmark::DoNotOptimize(got);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void raw_aead(benchmark::State& state) {
  const std::size_t len = static_cast<std::size_t>(state.range(0));
  ByteArray<32> key{1, 2, 3};
  ByteArray<12> nonce{};
  Bytes chunk(len, 0xa5), cipher(len + 16), plain(len);
  std::uint64_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < 8; ++i) nonce[11 - i] = static_cast<std::uint8_t>(n >> (8 * i));
    ++n;
    unsigned long long out_len = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(cipher.data(), &out_len, chunk.data(), len, nullptr,
                                              0, nullptr, nonce.data(), key.data());
    if (crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &out_len, nullptr, cipher.data(),
                                                  cipher.size(), nullptr, 0, nonce.data(),
                                                  key.data()) != 0) {
      state.SkipWithError("decrypt failed");
    }
  }
  benchmark::DoNotOptimize(plain.data());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void handshake(benchmark::State& state) {
  auto a = crypto::Ed25519SecretKey::generate(), b = crypto::Ed25519SecretKey::generate();
  for (auto _ : state) {
    auto ini = Handshake::initiator(a);
    auto res = Handshake::responder(b);
    bool ok = res->receive(ini->take_output()).is_ok() &&
              ini->receive(res->take_output()).is_ok() &&
              res->receive(ini->take_output()).is_ok() && ini->done() && res->done();
    if (!ok) state.SkipWithError("handshake failed");
    benchmark::DoNotOptimize(res->result().h);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void raw_handshake_ops(benchmark::State& state) {
  auto a = crypto::Ed25519SecretKey::generate();
  ByteArray<32> scalar, out;
  a.expose_scalar(scalar);
  const auto pk = crypto::Ed25519SecretKey::generate().public_key();
  for (auto _ : state) {
    for (int i = 0; i < 2; ++i) benchmark::DoNotOptimize(crypto::Ed25519SecretKey::generate());
    for (int i = 0; i < 6; ++i) {
      if (crypto_scalarmult_ed25519(out.data(), scalar.data(), pk.data()) != 0) {
        state.SkipWithError("scalarmult failed");
      }
      benchmark::DoNotOptimize(out);
    }
  }
  sodium_memzero(scalar.data(), scalar.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void handshake_floor(benchmark::State& state) {
  const auto peer = crypto::Ed25519SecretKey::generate();
  const crypto::HsDhScalar scalar = crypto::hs_dh_scalar(crypto::Ed25519SecretKey::generate());
  crypto::SecretArray<32> ck(ByteArray<32>{7});
  const crypto::AeadKey key(ByteArray<32>{9});
  ByteArray<32> h{};
  Bytes mixed(32 + 48), sealed(48), opened(32);
  for (auto _ : state) {
    for (int side = 0; side < 2; ++side) {
      benchmark::DoNotOptimize(crypto::Ed25519SecretKey::generate());  // the ephemeral key
      for (int i = 0; i < 3; ++i) {
        auto dh = crypto::hs_dh(scalar, peer.public_key());
        if (!dh) state.SkipWithError("hs_dh failed");
        const crypto::HsHkdfOutputs out = crypto::hs_hkdf(ck, dh->view());
        benchmark::DoNotOptimize(&out);
      }
      const crypto::HsHkdfOutputs split = crypto::hs_hkdf(ck, ByteView{});
      benchmark::DoNotOptimize(&split);
      h = crypto::william3(as_bytes(kHsProtocolName));
      for (int i = 0; i < 5; ++i) {
        std::copy(h.begin(), h.end(), mixed.begin());
        h = crypto::william3(ByteView(mixed).first(i % 2 == 0 ? 64 : 80));
      }
      crypto::aead_encrypt(key, 0, h, ByteView(h), sealed);
      if (!crypto::aead_decrypt(key, 0, h, sealed, opened)) state.SkipWithError("aead failed");
    }
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(transport)->Arg(64)->Arg(512)->Arg(1024)->Arg(4096);
BENCHMARK(raw_aead)->Arg(2)->Arg(64)->Arg(512)->Arg(1024)->Arg(4096);
BENCHMARK(handshake);
BENCHMARK(raw_handshake_ops);
BENCHMARK(handshake_floor);
BENCHMARK_MAIN();
