// Meadowcap: verifying write authorisation tokens with 0, 1, 4 and 16 delegations, against raw
// libsodium Ed25519 verifications on the same machine. A token costs (delegations + 1)
// signature checks for a communal capability and (delegations + 2) for an owned one (the
// initial authorisation); everything else should be noise.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <vector>

#include "osier/crypto/ed25519.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/model/encoding_entry.hpp"

namespace {

using namespace osier;
using namespace osier::meadowcap;

crypto::Ed25519SecretKey key_for(std::uint8_t tag) {
  crypto::Ed25519Seed seed;
  seed.fill(tag);
  return crypto::Ed25519SecretKey::from_seed(seed);
}

// A token whose chain of `n` delegations narrows the path one component per step.
struct Setup {
  model::Entry entry;
  MeadowcapAuthorisationToken token;
};

Setup make(bool communal, int n) {
  std::vector<crypto::Ed25519SecretKey> users;
  for (int i = 0; i <= n; ++i) users.push_back(key_for(static_cast<std::uint8_t>(i + 1)));
  McCapability cap = [&]() -> McCapability {
    if (communal) {
      model::NamespaceId ns{};
      return CommunalCapability::create(AccessMode::kWrite, ns, users[0].public_key());
    }
    // Seed 200 gives an owned namespace key in the tests' search; look for one here too.
    for (std::uint8_t t = 200;; ++t) {
      auto ns = key_for(t);
      if (!model::is_communal(ns.public_key())) {
        return OwnedCapability::create(ns, AccessMode::kWrite, users[0].public_key());
      }
    }
  }();
  model::Path path;
  for (int i = 0; i < n; ++i) {
    path = path.append(as_bytes("component")).value();
    model::Area area{users[0].public_key(), path, {0, std::nullopt}};
    cap = cap.delegate(users[static_cast<std::size_t>(i)], area,
                       users[static_cast<std::size_t>(i) + 1].public_key())
              .value();
  }
  model::Entry entry{cap.granted_namespace(), users[0].public_key(), path, 1234, 17, {}};
  auto ae = AuthorisedEntry::sign(entry, cap, users[static_cast<std::size_t>(n)]).value();
  return Setup{ae.entry(), ae.token()};
}

void BM_VerifyToken(benchmark::State& state, bool communal) {
  const Setup s = make(communal, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(meadowcap_is_authorised_write(s.entry, s.token));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["signatures"] = static_cast<double>(state.range(0) + (communal ? 1 : 2));
}
BENCHMARK_CAPTURE(BM_VerifyToken, communal, true)->Arg(0)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK_CAPTURE(BM_VerifyToken, owned, false)->Arg(0)->Arg(1)->Arg(4)->Arg(16);

// One raw libsodium verification of a message the size of an encoded entry.
void BM_RawSodiumVerify(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init failed");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::vector<unsigned char> msg(120, 7);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), sk);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_sign_verify_detached(sig, msg.data(), msg.size(), pk));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSodiumVerify);

}  // namespace

BENCHMARK_MAIN();
