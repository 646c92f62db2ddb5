// The encoding relations as JSON requests and responses: `osier codec encode|decode`
// (docs/cli.md), and the same shape for a control API. One CodecRelation adapts one
// model::EncodingRelation, parsing its values and references from their JSON forms.
//
//   encode  {"value": V, "relative_to": R}  ->  {"code": "<hex>"}              or {"error": text}
//   decode  {"code": "<hex>", "relative_to": R}  ->  {"value": V, "consumed": n} or {"error": text}
//
// "relative_to" is read only for relative relations. Errors are Status::to_string(), so they
// start with the kind of failure ("invalid argument: value: ...", "incomplete input: ...").
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "osier/base/codec.hpp"
#include "osier/base/hex.hpp"
#include "osier/json/meadowcap.hpp"
#include "osier/json/model.hpp"
#include "osier/model/encoding_relation.hpp"

namespace osier::json {

struct CodecRelation {
  std::string_view name;        // the spec's name
  std::string_view values;      // what the values are, in words
  std::string_view references;  // what "relative_to" is; empty for absolute relations
  bool canonic = false;         // DecodeMode::kCanonic applies
  std::function<Json(const Json& request)> encode;
  std::function<Json(const Json& request, DecodeMode mode)> decode;
};

// Member `key` of the request object, parsed as T (kInvalidArgument naming the key otherwise).
template <typename T>
Result<T> request_member(const Json& request, const char* key) {
  auto it = request.find(key);
  if (it == request.end()) {
    return error(ErrorCode::kInvalidArgument, std::string("missing \"") + key + "\"");
  }
  Result<T> r = from_json<T>(*it);
  if (!r) return error(ErrorCode::kInvalidArgument, std::string(key) + ": " + r.status().message());
  return r;
}

// The response of a failed request.
inline Json error_response(const Status& st) { return Json{{"error", st.to_string()}}; }

// The request's "code" as bytes.
Result<Bytes> request_code(const Json& request);

// `relation` as JSON requests and responses. REQUIRES: V and R have JSON forms (from_json<V>,
// to_json(V), from_json<R>; R may be NoReference).
template <typename V, typename R>
CodecRelation codec_relation(const model::EncodingRelation<V, R>& relation) {
  auto reference = [](const Json& request) -> Result<R> {
    if constexpr (model::EncodingRelation<V, R>::kRelative) {
      return request_member<R>(request, "relative_to");
    } else {
      return model::NoReference{};
    }
  };
  CodecRelation out{relation.name, relation.values, relation.references, relation.canonic, {}, {}};
  out.encode = [relation, reference](const Json& request) -> Json {
    Result<R> ref = reference(request);
    if (!ref) return error_response(ref.status());
    Result<V> value = request_member<V>(request, "value");
    if (!value) return error_response(value.status());
    Result<Bytes> code = relation.encode(*value, *ref);
    if (!code) return error_response(code.status());
    return Json{{"code", to_hex(*code)}};
  };
  out.decode = [relation, reference](const Json& request, DecodeMode mode) -> Json {
    Result<R> ref = reference(request);
    if (!ref) return error_response(ref.status());
    Result<Bytes> code = request_code(request);
    if (!code) return error_response(code.status());
    Decoder dec(*code);
    Result<V> value = relation.decode(dec, *ref, mode);
    if (!value) return error_response(value.status());
    return Json{{"value", to_json(*value)}, {"consumed", dec.position()}};
  };
  return out;
}

// Every relation of meadowcap::kEncodingRelations (the data model's and Meadowcap's), in order.
const std::vector<CodecRelation>& codec_relations();

// The relation named `name`, or nullptr.
const CodecRelation* find_codec_relation(std::string_view name);

}  // namespace osier::json
