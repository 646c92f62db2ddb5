// Keys, areas and capabilities for the Meadowcap tests: deterministic Ed25519 keys from small
// seeds, and random delegation chains whose areas shrink step by step.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "osier/crypto/ed25519.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"
#include "osier/model/area.hpp"
#include "osier/model/entry.hpp"

namespace osier::meadowcap::testing {

// The key for seed [tag, tag, ...]; cached, since tests sign with the same few keys a lot.
inline const crypto::Ed25519SecretKey& key(std::uint8_t tag) {
  static std::map<std::uint8_t, std::unique_ptr<crypto::Ed25519SecretKey>> cache;
  auto& slot = cache[tag];
  if (!slot) {
    crypto::Ed25519Seed seed;
    seed.fill(tag);
    slot = std::make_unique<crypto::Ed25519SecretKey>(crypto::Ed25519SecretKey::from_seed(seed));
  }
  return *slot;
}

// The first key from tag `from` on whose public key is_communal says `communal`.
inline const crypto::Ed25519SecretKey& namespace_key(bool communal, std::uint8_t from = 200) {
  for (std::uint8_t t = from;; ++t) {
    if (model::is_communal(key(t).public_key()) == communal) return key(t);
  }
}

// User keys are tags 1..kUsers.
inline constexpr std::uint8_t kUsers = 6;

class McRandom {
 public:
  explicit McRandom(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }
  bool coin() { return below(2) == 0; }

  std::uint8_t user_tag() { return static_cast<std::uint8_t>(1 + below(kUsers)); }

  model::Path extend(const model::Path& p) {
    static const char* kPool[] = {"a", "b", "", "blog", "x\xff"};
    model::Path out = p;
    const std::size_t n = below(3);
    for (std::size_t i = 0; i < n; ++i) {
      out = out.append(as_bytes(kPool[below(5)])).value();
    }
    return out;
  }

  // A random non-empty time range within `outer`.
  model::TimeRange sub_times(const model::TimeRange& outer) {
    const std::uint64_t width = outer.end ? *outer.end - outer.start : 1000;
    const std::uint64_t start = outer.start + (coin() ? 0 : below(width));
    model::TimeRange r{start, std::nullopt};
    const std::uint64_t room = outer.end ? *outer.end - start : 1000;
    if (outer.end || coin()) r.end = start + 1 + (coin() ? room - 1 : below(room));
    return r;
  }

  // A random non-empty area that `outer` includes.
  model::Area sub_area(const model::Area& outer) {
    model::Area a;
    a.subspace = outer.subspace;
    if (!a.subspace && coin()) a.subspace = key(user_tag()).public_key();
    a.path = extend(outer.path);
    a.times = coin() ? outer.times : sub_times(outer.times);
    return a;
  }

  // An entry that `area` includes, in namespace `ns`.
  model::Entry entry_in(const model::Area& area, const model::NamespaceId& ns) {
    model::Entry e;
    e.namespace_id = ns;
    e.subspace_id = area.subspace ? *area.subspace : key(user_tag()).public_key();
    e.path = extend(area.path);
    const std::uint64_t width = area.times.end ? *area.times.end - area.times.start : 1000;
    e.timestamp = area.times.start + below(width);
    e.payload_length = below(100);
    e.payload_digest.fill(static_cast<std::uint8_t>(below(256)));
    return e;
  }

  // Delegates `cap` `n` times to random users with shrinking areas.
  template <typename Cap>
  Cap delegate(Cap cap, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t next = user_tag();
      const model::Area area = sub_area(cap.granted_area());
      cap = cap.delegate(key(tag_of(cap.receiver())), area, key(next).public_key()).value();
    }
    return cap;
  }

  CommunalCapability communal(AccessMode mode, std::size_t n) {
    const std::uint8_t user = user_tag();
    return delegate(
        CommunalCapability::create(mode, namespace_key(true).public_key(), key(user).public_key()),
        n);
  }

  OwnedCapability owned(AccessMode mode, std::size_t n) {
    return delegate(
        OwnedCapability::create(namespace_key(false), mode, key(user_tag()).public_key()), n);
  }

  McCapability capability(AccessMode mode, std::size_t n) {
    if (coin()) return McCapability(communal(mode, n));
    return McCapability(owned(mode, n));
  }

  McEnumerationCapability enumeration(std::size_t n) {
    auto cap = McEnumerationCapability::create(namespace_key(false), key(user_tag()).public_key());
    for (std::size_t i = 0; i < n; ++i) {
      cap = cap.delegate(key(tag_of(cap.receiver())), key(user_tag()).public_key()).value();
    }
    return cap;
  }

  // The tag whose key has public key `pk` (users and namespaces only).
  static std::uint8_t tag_of(const UserPublicKey& pk) {
    for (unsigned t = 1; t < 256; ++t) {
      if (key(static_cast<std::uint8_t>(t)).public_key() == pk) return static_cast<std::uint8_t>(t);
    }
    return 0;
  }

 private:
  std::mt19937_64 rng_;
};

// A personal private interest read capability `cap` can be encoded against (the private
// encodings' conditions hold).
inline PersonalPrivateInterest interest_for(const McCapability& cap, McRandom& r) {
  PersonalPrivateInterest ppi;
  ppi.private_interest.namespace_id = cap.granted_namespace();
  const model::Area granted = cap.granted_area();
  if (cap.is_communal()) {
    ppi.private_interest.subspace_id = cap.communal().user_key;
  } else if (granted.subspace && r.coin()) {
    ppi.private_interest.subspace_id = granted.subspace;
  }
  ppi.private_interest.path = r.extend(granted.path);
  ppi.user = cap.receiver();
  return ppi;
}

}  // namespace osier::meadowcap::testing
