#include "codec_meadowcap.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <iostream>
#include <variant>

#include "base/hex.hpp"
#include "commands.hpp"
#include "json_meadowcap.hpp"
#include "meadowcap/encoding_capability.hpp"
#include "meadowcap/encoding_private_capability.hpp"
#include "meadowcap/encoding_relative.hpp"

namespace osier::cli {
namespace {

using namespace meadowcap;
using None = std::monostate;

// [prior capability, entry]: the reference of the relative capability encodings.
struct CapabilityReference {
  McCapability prior;
  model::Entry entry;
};
// [[prior entry, prior token], entry]: the reference of the relative token encoding.
struct TokenReference {
  MeadowcapAuthorisationToken prior;
  model::Entry entry;
};

Status bad(const std::string& what) { return error(ErrorCode::kInvalidArgument, what); }

Result<const Json*> pair_item(const Json& j, std::size_t i) {
  if (!j.is_array() || j.size() != 2) return bad("expected an array of two items");
  return &j[i];
}

template <typename T>
Result<T> item(const Json& j, std::size_t i) {
  OSIER_ASSIGN_OR_RETURN(const Json* x, pair_item(j, i));
  Result<T> r = from_json<T>(*x);
  if (!r) return bad("item " + std::to_string(i) + ": " + r.status().message());
  return r;
}

template <typename R>
Result<R> parse_reference(const Json& j);

template <>
Result<CapabilityReference> parse_reference(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(McCapability prior, item<McCapability>(j, 0));
  OSIER_ASSIGN_OR_RETURN(model::Entry entry, item<model::Entry>(j, 1));
  return CapabilityReference{std::move(prior), std::move(entry)};
}

template <>
Result<TokenReference> parse_reference(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(const Json* prior, pair_item(j, 0));
  // The prior entry takes no part in the code, but must be well-formed.
  OSIER_ASSIGN_OR_RETURN(model::Entry prior_entry, item<model::Entry>(*prior, 0));
  (void)prior_entry;
  OSIER_ASSIGN_OR_RETURN(MeadowcapAuthorisationToken token,
                         item<MeadowcapAuthorisationToken>(*prior, 1));
  OSIER_ASSIGN_OR_RETURN(model::Entry entry, item<model::Entry>(j, 1));
  return TokenReference{std::move(token), std::move(entry)};
}

template <>
Result<PersonalPrivateInterest> parse_reference(const Json& j) {
  return from_json<PersonalPrivateInterest>(j);
}

template <>
Result<EnumerationCapabilityContext> parse_reference(const Json& j) {
  OSIER_ASSIGN_OR_RETURN(NamespacePublicKey ns, item<model::NamespaceId>(j, 0));
  OSIER_ASSIGN_OR_RETURN(UserPublicKey receiver, item<model::SubspaceId>(j, 1));
  return EnumerationCapabilityContext{ns, receiver};
}

Json failure(const Status& st) { return Json{{"error", st.to_string()}}; }

// Member `key` of the input line, parsed by `parse`.
template <typename T, typename Parse>
Result<T> line_member(const Json& line, const char* key, Parse parse) {
  auto it = line.find(key);
  if (it == line.end()) return bad(std::string("missing \"") + key + "\"");
  Result<T> r = parse(*it);
  if (!r) return bad(std::string(key) + ": " + r.status().message());
  return r;
}

template <typename V, typename R, typename Enc, typename Dec>
MeadowcapRelation relation(std::string name, std::string value_form, std::string reference_form,
                           bool has_canonic, Enc encode, Dec decode) {
  constexpr bool kRelative = !std::is_same_v<R, None>;
  auto reference = [](const Json& line) -> Result<R> {
    if constexpr (kRelative) {
      return line_member<R>(line, "relative_to", parse_reference<R>);
    } else {
      return None{};
    }
  };
  MeadowcapRelation rel{
      std::move(name), std::move(value_form), std::move(reference_form), has_canonic, {}, {}};
  rel.encode = [=](const Json& line) -> Json {
    Result<R> ref = reference(line);
    if (!ref) return failure(ref.status());
    Result<V> v = line_member<V>(line, "value", [](const Json& j) { return from_json<V>(j); });
    if (!v) return failure(v.status());
    Encoder enc;
    const Status st = encode(enc, *v, *ref);
    if (!st.is_ok()) return failure(st);
    return Json{{"code", to_hex(enc.bytes())}};
  };
  rel.decode = [=](const Json& line, DecodeMode mode) -> Json {
    Result<R> ref = reference(line);
    if (!ref) return failure(ref.status());
    Result<Bytes> code = line_member<Bytes>(line, "code", [](const Json& j) -> Result<Bytes> {
      std::optional<Bytes> b;
      if (j.is_string()) b = from_hex(j.get<std::string>());
      if (!b) return bad("not a hex string");
      return *b;
    });
    if (!code) return failure(code.status());
    Decoder dec(*code);
    auto v = decode(dec, *ref, mode);
    if (!v) return failure(v.status());
    return Json{{"value", to_json(*v)}, {"consumed", dec.position()}};
  };
  return rel;
}

std::vector<MeadowcapRelation> build() {
  const std::string cap_ref = "[prior capability (write), entry]";
  const std::string ppi = "PersonalPrivateInterest {private_interest, user}";
  std::vector<MeadowcapRelation> r;
  r.push_back(relation<CommunalCapability, None>(
      "EncodeCommunalCapability", "capability (communal)", "", true,
      [](Encoder& e, const CommunalCapability& v, None) {
        return encode_communal_capability(e, v);
      },
      [](Decoder& d, None, DecodeMode m) { return decode_communal_capability(d, m); }));
  r.push_back(relation<OwnedCapability, None>(
      "EncodeOwnedCapability", "capability (owned)", "", true,
      [](Encoder& e, const OwnedCapability& v, None) { return encode_owned_capability(e, v); },
      [](Decoder& d, None, DecodeMode m) { return decode_owned_capability(d, m); }));
  r.push_back(relation<McCapability, None>(
      "EncodeMcCapability", "capability", "", true,
      [](Encoder& e, const McCapability& v, None) { return encode_mc_capability(e, v); },
      [](Decoder& d, None, DecodeMode m) { return decode_mc_capability(d, m); }));
  r.push_back(relation<McEnumerationCapability, None>(
      "EncodeMcEnumerationCapability", "enumeration capability", "", false,
      [](Encoder& e, const McEnumerationCapability& v, None) {
        encode_mc_enumeration_capability(e, v);
        return Status::ok();
      },
      [](Decoder& d, None, DecodeMode) { return decode_mc_enumeration_capability(d); }));
  r.push_back(relation<CommunalCapability, CapabilityReference>(
      "EncodeCommunalCapabilityRelative", "capability (communal, write)", cap_ref, false,
      [](Encoder& e, const CommunalCapability& v, const CapabilityReference& ref) {
        return encode_communal_capability_relative(e, v, ref.prior, ref.entry);
      },
      [](Decoder& d, const CapabilityReference& ref, DecodeMode) {
        return decode_communal_capability_relative(d, ref.prior, ref.entry);
      }));
  r.push_back(relation<OwnedCapability, CapabilityReference>(
      "EncodeOwnedCapabilityRelative", "capability (owned, write)", cap_ref, false,
      [](Encoder& e, const OwnedCapability& v, const CapabilityReference& ref) {
        return encode_owned_capability_relative(e, v, ref.prior, ref.entry);
      },
      [](Decoder& d, const CapabilityReference& ref, DecodeMode) {
        return decode_owned_capability_relative(d, ref.prior, ref.entry);
      }));
  r.push_back(relation<MeadowcapAuthorisationToken, TokenReference>(
      "EncodeMeadowcapAuthorisationTokenRelative", "token", "[[prior entry, prior token], entry]",
      false,
      [](Encoder& e, const MeadowcapAuthorisationToken& v, const TokenReference& ref) {
        return encode_meadowcap_authorisation_token_relative(e, v, ref.prior, ref.entry);
      },
      [](Decoder& d, const TokenReference& ref, DecodeMode) {
        return decode_meadowcap_authorisation_token_relative(d, ref.prior, ref.entry);
      }));
  r.push_back(relation<CommunalCapability, PersonalPrivateInterest>(
      "EncodeCommunalCapabilityRelativePrivateInterest", "capability (communal, read)", ppi, false,
      [](Encoder& e, const CommunalCapability& v, const PersonalPrivateInterest& ref) {
        return encode_communal_capability_relative_private_interest(e, v, ref);
      },
      [](Decoder& d, const PersonalPrivateInterest& ref, DecodeMode) {
        return decode_communal_capability_relative_private_interest(d, ref);
      }));
  r.push_back(relation<OwnedCapability, PersonalPrivateInterest>(
      "EncodeOwnedCapabilityRelativePrivateInterest", "capability (owned, read)", ppi, false,
      [](Encoder& e, const OwnedCapability& v, const PersonalPrivateInterest& ref) {
        return encode_owned_capability_relative_private_interest(e, v, ref);
      },
      [](Decoder& d, const PersonalPrivateInterest& ref, DecodeMode) {
        return decode_owned_capability_relative_private_interest(d, ref);
      }));
  r.push_back(relation<McCapability, PersonalPrivateInterest>(
      "EncodeMcCapabilityRelativePrivateInterest", "capability (read)", ppi, false,
      [](Encoder& e, const McCapability& v, const PersonalPrivateInterest& ref) {
        return encode_mc_capability_relative_private_interest(e, v, ref);
      },
      [](Decoder& d, const PersonalPrivateInterest& ref, DecodeMode) {
        return decode_mc_capability_relative_private_interest(d, ref);
      }));
  r.push_back(relation<McEnumerationCapability, EnumerationCapabilityContext>(
      "EncodeMcEnumerationCapabilityRelativePrivateInterest", "enumeration capability",
      "[namespace, receiver]", false,
      [](Encoder& e, const McEnumerationCapability& v, const EnumerationCapabilityContext& ref) {
        return encode_mc_enumeration_capability_relative_private_interest(e, v, ref);
      },
      [](Decoder& d, const EnumerationCapabilityContext& ref, DecodeMode) {
        return decode_mc_enumeration_capability_relative_private_interest(d, ref);
      }));
  return r;
}

Json verify_line(const Json& in) {
  if (!in.is_object()) return failure(bad("malformed line: expected a JSON object"));
  Result<model::Entry> entry = line_member<model::Entry>(
      in, "entry", [](const Json& j) { return from_json<model::Entry>(j); });
  if (!entry) return failure(entry.status());
  Result<MeadowcapAuthorisationToken> token = line_member<MeadowcapAuthorisationToken>(
      in, "token", [](const Json& j) { return from_json<MeadowcapAuthorisationToken>(j); });
  if (!token) return failure(token.status());
  const Status st = meadowcap_check_authorised_write(*entry, *token);
  return Json{{"authorised", st.is_ok()}, {"reason", st.is_ok() ? "ok" : st.message()}};
}

void run_verify_token() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const Json in = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    const Json out = in.is_discarded() ? failure(bad("malformed line: not JSON")) : verify_line(in);
    fmt::print("{}\n", out.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  std::fflush(stdout);
}

}  // namespace

const std::vector<MeadowcapRelation>& meadowcap_relations() {
  static const std::vector<MeadowcapRelation> kRelations = build();
  return kRelations;
}

void register_codec_verify_token(CLI::App& codec) {
  CLI::App* cmd = codec.add_subcommand(
      "verify-token",
      "Read {\"entry\", \"token\"} lines, write {\"authorised\", \"reason\"} lines "
      "(meadowcap_is_authorised_write)");
  cmd->callback([] { run_verify_token(); });
}

}  // namespace osier::cli
