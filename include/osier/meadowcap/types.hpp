// The Meadowcap parameters Willow'25 chooses, and the small types every capability kind shares.
// spec: willow25#willow25_meadowcap
//
// Both signature schemes are Ed25519 and every encode_* parameter function is the identity, so
// keys and signatures are their raw bytes. Secret keys stay in crypto::Ed25519SecretKey (move-only,
// wiped on release, no implicit conversion to bytes); this layer only ever borrows them to sign.
#pragma once

#include <cstdint>

#include "osier/crypto/ed25519.hpp"
#include "osier/model/area.hpp"
#include "osier/model/ids.hpp"

namespace osier::meadowcap {

using NamespacePublicKey = model::NamespaceId;
using NamespaceSignature = crypto::Ed25519Signature;
using UserPublicKey = model::SubspaceId;
using UserSignature = crypto::Ed25519Signature;

// spec: meadowcap#communal_cap_access_mode (access_read / access_write)
enum class AccessMode : std::uint8_t { kRead, kWrite };

const char* access_mode_name(AccessMode mode);

// One step of a communal or owned capability's delegation chain: (new_area, new_user,
// new_signature), the signature made by the previous receiver over the handover bytes.
struct Delegation {
  model::Area area;
  UserPublicKey user{};
  UserSignature signature{};

  bool operator==(const Delegation&) const = default;
};

}  // namespace osier::meadowcap
