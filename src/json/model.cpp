#include "osier/json/model.hpp"

#include <string>
#include <vector>

#include "osier/base/hex.hpp"

namespace osier::json {
namespace {

Status bad_model_json(const std::string& what) { return error(ErrorCode::kInvalidArgument, what); }

// The member `key` of object `j`, or an error naming it.
Result<const Json*> member(const Json& j, const char* key) {
  if (!j.is_object()) return bad_model_json(std::string("expected an object with \"") + key + "\"");
  auto it = j.find(key);
  if (it == j.end()) return bad_model_json(std::string("missing \"") + key + "\"");
  return &*it;
}

// Parses member `key` as T, prefixing errors with the key.
template <typename T>
Result<T> field(const Json& j, const char* key) {
  OSIER_ASSIGN_OR_RETURN(const Json* m, member(j, key));
  Result<T> r = from_json<T>(*m);
  if (!r) return bad_model_json(std::string(key) + ": " + r.status().message());
  return r;
}

// null -> nullopt; otherwise T.
template <typename T>
Result<std::optional<T>> nullable_field(const Json& j, const char* key) {
  OSIER_ASSIGN_OR_RETURN(const Json* m, member(j, key));
  if (m->is_null()) return std::optional<T>();
  Result<T> r = from_json<T>(*m);
  if (!r) return bad_model_json(std::string(key) + ": " + r.status().message());
  return std::optional<T>(std::move(r).value());
}

template <typename T>
Result<model::Range<T>> range_from_json(const Json& j) {
  model::Range<T> r;
  OSIER_ASSIGN_OR_RETURN(r.start, field<T>(j, "start"));
  OSIER_ASSIGN_OR_RETURN(r.end, nullable_field<T>(j, "end"));
  return r;
}

template <typename T>
Json range_to_json(const model::Range<T>& r) {
  return Json{{"start", to_json(r.start)}, {"end", r.end ? to_json(*r.end) : Json(nullptr)}};
}

}  // namespace

template <>
Result<std::uint64_t> from_json(const Json& j) {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0)) {
    return bad_model_json("expected a non-negative integer below 2^64");
  }
  return j.get<std::uint64_t>();
}

template <>
Result<model::SubspaceId> from_json(const Json& j) {
  if (!j.is_string()) return bad_model_json("expected a hex string of 32 bytes");
  auto id = array_from_hex<32>(j.get<std::string>());
  if (!id) return bad_model_json("expected a hex string of 32 bytes");
  return *id;
}

template <>
Result<model::Path> from_json(const Json& j) {
  if (!j.is_array()) return bad_model_json("expected an array of hex-string components");
  if (j.size() > model::kMaxComponentCount) return bad_model_json("path has too many components");
  std::vector<Bytes> comps;
  for (const Json& c : j) {
    std::optional<Bytes> b;
    if (c.is_string()) b = from_hex(c.get<std::string>());
    if (!b)
      return bad_model_json("path component " + std::to_string(comps.size()) +
                            " is not a hex string");
    comps.push_back(std::move(*b));
  }
  std::vector<ByteView> views(comps.begin(), comps.end());
  Result<model::Path> p = model::Path::from_components(views);
  if (!p) return bad_model_json(p.status().message());
  return p;
}

template <>
Result<model::Entry> from_json(const Json& j) {
  model::Entry e;
  OSIER_ASSIGN_OR_RETURN(e.namespace_id, field<model::NamespaceId>(j, "namespace_id"));
  OSIER_ASSIGN_OR_RETURN(e.subspace_id, field<model::SubspaceId>(j, "subspace_id"));
  OSIER_ASSIGN_OR_RETURN(e.path, field<model::Path>(j, "path"));
  OSIER_ASSIGN_OR_RETURN(e.timestamp, field<std::uint64_t>(j, "timestamp"));
  OSIER_ASSIGN_OR_RETURN(e.payload_length, field<std::uint64_t>(j, "payload_length"));
  OSIER_ASSIGN_OR_RETURN(e.payload_digest, field<model::PayloadDigest>(j, "payload_digest"));
  return e;
}

template <>
Result<model::SubspaceRange> from_json(const Json& j) {
  return range_from_json<model::SubspaceId>(j);
}
template <>
Result<model::PathRange> from_json(const Json& j) {
  return range_from_json<model::Path>(j);
}
template <>
Result<model::TimeRange> from_json(const Json& j) {
  return range_from_json<std::uint64_t>(j);
}

template <>
Result<model::D3Range> from_json(const Json& j) {
  model::D3Range r;
  OSIER_ASSIGN_OR_RETURN(r.subspaces, field<model::SubspaceRange>(j, "subspaces"));
  OSIER_ASSIGN_OR_RETURN(r.paths, field<model::PathRange>(j, "paths"));
  OSIER_ASSIGN_OR_RETURN(r.times, field<model::TimeRange>(j, "times"));
  return r;
}

template <>
Result<model::Area> from_json(const Json& j) {
  model::Area a;
  OSIER_ASSIGN_OR_RETURN(a.subspace, nullable_field<model::SubspaceId>(j, "subspace"));
  OSIER_ASSIGN_OR_RETURN(a.path, field<model::Path>(j, "path"));
  OSIER_ASSIGN_OR_RETURN(a.times, field<model::TimeRange>(j, "times"));
  return a;
}

template <>
Result<model::PrivateInterest> from_json(const Json& j) {
  model::PrivateInterest p;
  OSIER_ASSIGN_OR_RETURN(p.namespace_id, field<model::NamespaceId>(j, "namespace_id"));
  OSIER_ASSIGN_OR_RETURN(p.subspace_id, nullable_field<model::SubspaceId>(j, "subspace_id"));
  OSIER_ASSIGN_OR_RETURN(p.path, field<model::Path>(j, "path"));
  return p;
}

template <>
Result<model::PrivatePathContext> from_json(const Json& j) {
  model::PrivatePathContext c;
  OSIER_ASSIGN_OR_RETURN(c.private_path, field<model::Path>(j, "private"));
  OSIER_ASSIGN_OR_RETURN(c.rel, field<model::Path>(j, "rel"));
  return c;
}

template <>
Result<model::PrivateAreaContext> from_json(const Json& j) {
  model::PrivateAreaContext c;
  OSIER_ASSIGN_OR_RETURN(c.private_interest, field<model::PrivateInterest>(j, "private"));
  OSIER_ASSIGN_OR_RETURN(c.rel, field<model::Area>(j, "rel"));
  return c;
}

template <>
Result<model::EntryInNamespace3dRangeReference> from_json(const Json& j) {
  model::EntryInNamespace3dRangeReference r;
  OSIER_ASSIGN_OR_RETURN(r.namespace_id, field<model::NamespaceId>(j, "namespace_id"));
  OSIER_ASSIGN_OR_RETURN(r.range, field<model::D3Range>(j, "range"));
  return r;
}

Json to_json(std::uint64_t v) { return Json(v); }

Json to_json(const model::SubspaceId& id) { return Json(to_hex(id)); }

Json to_json(const model::Path& path) {
  Json a = Json::array();
  for (std::size_t i = 0; i < path.component_count(); ++i) a.push_back(to_hex(path.component(i)));
  return a;
}

Json to_json(const model::Entry& e) {
  return Json{{"namespace_id", to_json(e.namespace_id)},
              {"subspace_id", to_json(e.subspace_id)},
              {"path", to_json(e.path)},
              {"timestamp", e.timestamp},
              {"payload_length", e.payload_length},
              {"payload_digest", to_json(e.payload_digest)}};
}

Json to_json(const model::SubspaceRange& r) { return range_to_json(r); }
Json to_json(const model::PathRange& r) { return range_to_json(r); }
Json to_json(const model::TimeRange& r) { return range_to_json(r); }

Json to_json(const model::D3Range& r) {
  return Json{{"subspaces", to_json(r.subspaces)},
              {"paths", to_json(r.paths)},
              {"times", to_json(r.times)}};
}

Json to_json(const model::Area& a) {
  return Json{{"subspace", a.subspace ? to_json(*a.subspace) : Json(nullptr)},
              {"path", to_json(a.path)},
              {"times", to_json(a.times)}};
}

}  // namespace osier::json
