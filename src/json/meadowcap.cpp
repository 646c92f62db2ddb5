#include "osier/json/meadowcap.hpp"

#include <string>

#include "osier/base/hex.hpp"

namespace osier::json {
namespace {

using namespace meadowcap;

Status bad_meadowcap_json(const std::string& what) {
  return error(ErrorCode::kInvalidArgument, what);
}

// Member `key` of object `j` parsed by `parse`; errors are prefixed with the key.
template <typename T, typename Parse>
Result<T> get(const Json& j, const char* key, Parse parse) {
  if (!j.is_object())
    return bad_meadowcap_json(std::string("expected an object with \"") + key + "\"");
  auto it = j.find(key);
  if (it == j.end()) return bad_meadowcap_json(std::string("missing \"") + key + "\"");
  Result<T> r = parse(*it);
  if (!r) return bad_meadowcap_json(std::string(key) + ": " + r.status().message());
  return r;
}

template <typename T>
Result<T> get(const Json& j, const char* key) {
  return get<T>(j, key, [](const Json& m) { return from_json<T>(m); });
}

Result<ByteArray<64>> signature_from_json(const Json& j) {
  if (!j.is_string()) return bad_meadowcap_json("expected a hex string of 64 bytes");
  auto s = array_from_hex<64>(j.get<std::string>());
  if (!s) return bad_meadowcap_json("expected a hex string of 64 bytes");
  return *s;
}

Result<ByteArray<64>> get_signature(const Json& j, const char* key) {
  return get<ByteArray<64>>(j, key, signature_from_json);
}

Result<AccessMode> access_mode_from_json(const Json& j) {
  if (j == "read") return AccessMode::kRead;
  if (j == "write") return AccessMode::kWrite;
  return bad_meadowcap_json("expected \"read\" or \"write\"");
}

// The elements of array member `key`, each parsed by `parse`.
template <typename T, typename Parse>
Result<std::vector<T>> get_list(const Json& j, const char* key, Parse parse) {
  return get<std::vector<T>>(j, key, [&](const Json& a) -> Result<std::vector<T>> {
    if (!a.is_array()) return bad_meadowcap_json("expected an array");
    std::vector<T> out;
    for (const Json& e : a) {
      Result<T> r = parse(e);
      if (!r)
        return bad_meadowcap_json("item " + std::to_string(out.size()) + ": " +
                                  r.status().message());
      out.push_back(std::move(r).value());
    }
    return out;
  });
}

Result<Delegation> delegation_from_json(const Json& j) {
  Delegation d;
  OSIER_ASSIGN_OR_RETURN(d.area, get<model::Area>(j, "area"));
  OSIER_ASSIGN_OR_RETURN(d.user, get<UserPublicKey>(j, "user"));
  OSIER_ASSIGN_OR_RETURN(d.signature, get_signature(j, "signature"));
  return d;
}

Result<EnumerationDelegation> enumeration_delegation_from_json(const Json& j) {
  EnumerationDelegation d;
  OSIER_ASSIGN_OR_RETURN(d.user, get<UserPublicKey>(j, "user"));
  OSIER_ASSIGN_OR_RETURN(d.signature, get_signature(j, "signature"));
  return d;
}

Json delegations_to_json(const std::vector<Delegation>& ds) {
  Json a = Json::array();
  for (const Delegation& d : ds) {
    a.push_back(Json{
        {"area", to_json(d.area)}, {"user", to_json(d.user)}, {"signature", to_hex(d.signature)}});
  }
  return a;
}

// The fields both capability kinds share; `kind` says which one to build.
Result<McCapability> capability_from_json(const Json& j, const char* want_kind) {
  OSIER_ASSIGN_OR_RETURN(std::string kind,
                         get<std::string>(j, "kind", [](const Json& k) -> Result<std::string> {
                           if (k == "communal" || k == "owned") return k.get<std::string>();
                           return bad_meadowcap_json("expected \"communal\" or \"owned\"");
                         }));
  if (want_kind != nullptr && kind != want_kind) {
    return bad_meadowcap_json(std::string("kind: expected \"") + want_kind + "\"");
  }
  OSIER_ASSIGN_OR_RETURN(AccessMode mode, get<AccessMode>(j, "access_mode", access_mode_from_json));
  OSIER_ASSIGN_OR_RETURN(NamespacePublicKey ns, get<NamespacePublicKey>(j, "namespace"));
  OSIER_ASSIGN_OR_RETURN(UserPublicKey user, get<UserPublicKey>(j, "user"));
  OSIER_ASSIGN_OR_RETURN(std::vector<Delegation> ds,
                         get_list<Delegation>(j, "delegations", delegation_from_json));
  if (kind == "communal") {
    if (j.contains("initial_authorisation")) {
      return bad_meadowcap_json("a communal capability has no \"initial_authorisation\"");
    }
    return McCapability(CommunalCapability{mode, ns, user, std::move(ds)});
  }
  OSIER_ASSIGN_OR_RETURN(NamespaceSignature auth, get_signature(j, "initial_authorisation"));
  return McCapability(OwnedCapability{mode, ns, user, auth, std::move(ds)});
}

}  // namespace

template <>
Result<McCapability> from_json(const Json& j) {
  return capability_from_json(j, nullptr);
}

template <>
Result<CommunalCapability> from_json(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(McCapability cap, capability_from_json(j, "communal"));
  return cap.communal();
}

template <>
Result<OwnedCapability> from_json(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(McCapability cap, capability_from_json(j, "owned"));
  return cap.owned();
}

template <>
Result<MeadowcapAuthorisationToken> from_json(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(McCapability cap, get<McCapability>(j, "capability"));
  OSIER_ASSIGN_OR_RETURN(UserSignature sig, get_signature(j, "signature"));
  return MeadowcapAuthorisationToken{std::move(cap), sig};
}

template <>
Result<McEnumerationCapability> from_json(const Json& j) {
  McEnumerationCapability cap;
  OSIER_ASSIGN_OR_RETURN(cap.namespace_key, get<NamespacePublicKey>(j, "namespace"));
  OSIER_ASSIGN_OR_RETURN(cap.user_key, get<UserPublicKey>(j, "user"));
  OSIER_ASSIGN_OR_RETURN(cap.initial_authorisation, get_signature(j, "initial_authorisation"));
  OSIER_ASSIGN_OR_RETURN(cap.delegations, get_list<EnumerationDelegation>(
                                              j, "delegations", enumeration_delegation_from_json));
  return cap;
}

Result<model::PrivateInterest> private_interest_from_json(const Json& j) {
  if (!j.is_object()) return bad_meadowcap_json("expected an object");
  const char* ns_key = j.contains("namespace_id") ? "namespace_id" : "namespace";
  const char* ss_key = j.contains("subspace_id") ? "subspace_id" : "subspace";
  model::PrivateInterest p;
  OSIER_ASSIGN_OR_RETURN(p.namespace_id, get<model::NamespaceId>(j, ns_key));
  OSIER_ASSIGN_OR_RETURN(
      p.subspace_id, get<std::optional<model::SubspaceId>>(
                         j, ss_key, [](const Json& s) -> Result<std::optional<model::SubspaceId>> {
                           if (s.is_null()) return std::optional<model::SubspaceId>();
                           OSIER_ASSIGN_OR_RETURN(model::SubspaceId id,
                                                  from_json<model::SubspaceId>(s));
                           return std::optional<model::SubspaceId>(id);
                         }));
  OSIER_ASSIGN_OR_RETURN(p.path, get<model::Path>(j, "path"));
  return p;
}

template <>
Result<PersonalPrivateInterest> from_json(const Json& j) {
  PersonalPrivateInterest p;
  OSIER_ASSIGN_OR_RETURN(
      p.private_interest,
      get<model::PrivateInterest>(j, "private_interest", private_interest_from_json));
  OSIER_ASSIGN_OR_RETURN(p.user, get<UserPublicKey>(j, "user"));
  return p;
}

namespace {

// Item i of a JSON array of two items, parsed as T.
template <typename T>
Result<T> pair_item(const Json& j, std::size_t i) {
  if (!j.is_array() || j.size() != 2) return bad_meadowcap_json("expected an array of two items");
  Result<T> r = from_json<T>(j[i]);
  if (!r) return bad_meadowcap_json("item " + std::to_string(i) + ": " + r.status().message());
  return r;
}

}  // namespace

template <>
Result<CapabilityRelativeReference> from_json(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(McCapability prior, pair_item<McCapability>(j, 0));
  OSIER_ASSIGN_OR_RETURN(model::Entry entry, pair_item<model::Entry>(j, 1));
  return CapabilityRelativeReference{std::move(prior), std::move(entry)};
}

template <>
Result<TokenRelativeReference> from_json(const Json& j) {
  if (!j.is_array() || j.size() != 2) return bad_meadowcap_json("expected an array of two items");
  const Json& prior = j[0];
  // The prior entry takes no part in the code, but must be well-formed.
  OSIER_ASSIGN_OR_RETURN(model::Entry prior_entry, pair_item<model::Entry>(prior, 0));
  (void)prior_entry;
  OSIER_ASSIGN_OR_RETURN(MeadowcapAuthorisationToken token,
                         pair_item<MeadowcapAuthorisationToken>(prior, 1));
  OSIER_ASSIGN_OR_RETURN(model::Entry entry, pair_item<model::Entry>(j, 1));
  return TokenRelativeReference{std::move(token), std::move(entry)};
}

template <>
Result<EnumerationCapabilityContext> from_json(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(NamespacePublicKey ns, pair_item<model::NamespaceId>(j, 0));
  OSIER_ASSIGN_OR_RETURN(UserPublicKey receiver, pair_item<model::SubspaceId>(j, 1));
  return EnumerationCapabilityContext{ns, receiver};
}

Json to_json(const CommunalCapability& cap) {
  return Json{{"kind", "communal"},
              {"access_mode", access_mode_name(cap.access_mode)},
              {"namespace", to_json(cap.namespace_key)},
              {"user", to_json(cap.user_key)},
              {"delegations", delegations_to_json(cap.delegations)}};
}

Json to_json(const OwnedCapability& cap) {
  return Json{{"kind", "owned"},
              {"access_mode", access_mode_name(cap.access_mode)},
              {"namespace", to_json(cap.namespace_key)},
              {"user", to_json(cap.user_key)},
              {"initial_authorisation", to_hex(cap.initial_authorisation)},
              {"delegations", delegations_to_json(cap.delegations)}};
}

Json to_json(const McCapability& cap) {
  return cap.is_communal() ? to_json(cap.communal()) : to_json(cap.owned());
}

Json to_json(const MeadowcapAuthorisationToken& token) {
  return Json{{"capability", to_json(token.capability)}, {"signature", to_hex(token.signature)}};
}

Json to_json(const McEnumerationCapability& cap) {
  Json ds = Json::array();
  for (const EnumerationDelegation& d : cap.delegations) {
    ds.push_back(Json{{"user", to_json(d.user)}, {"signature", to_hex(d.signature)}});
  }
  return Json{{"namespace", to_json(cap.namespace_key)},
              {"user", to_json(cap.user_key)},
              {"initial_authorisation", to_hex(cap.initial_authorisation)},
              {"delegations", std::move(ds)}};
}

}  // namespace osier::json
