// Lossless JSON forms of model values, spoken by `osier codec`, the CLI's --json output and (to
// come) the node's control API (documented in docs/cli.md, "JSON forms"):
// ids and digests are lowercase hex strings; a Path is an array of hex-string components;
// u64 values are JSON numbers; an open range end, or an `any` subspace, is null.
#pragma once

#include <nlohmann/json.hpp>

#include "osier/base/status.hpp"
#include "osier/model/area.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/model/encoding_private.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"

namespace osier::json {

using Json = nlohmann::json;

// from_json<T>(j) parses one JSON form (never throws; errors name the offending field);
// to_json(v) produces it.
template <typename T>
Result<T> from_json(const Json& j);

template <>
Result<std::uint64_t> from_json(const Json& j);
template <>
Result<model::SubspaceId> from_json(const Json& j);  // also NamespaceId, PayloadDigest
template <>
Result<model::Path> from_json(const Json& j);
template <>
Result<model::Entry> from_json(const Json& j);
template <>
Result<model::SubspaceRange> from_json(const Json& j);
template <>
Result<model::PathRange> from_json(const Json& j);
template <>
Result<model::TimeRange> from_json(const Json& j);
template <>
Result<model::D3Range> from_json(const Json& j);
template <>
Result<model::Area> from_json(const Json& j);
template <>
Result<model::PrivateInterest> from_json(const Json& j);
template <>
Result<model::PrivatePathContext> from_json(const Json& j);
template <>
Result<model::PrivateAreaContext> from_json(const Json& j);
template <>
Result<model::EntryInNamespace3dRangeReference> from_json(const Json& j);

Json to_json(std::uint64_t v);
Json to_json(const model::SubspaceId& id);
Json to_json(const model::Path& path);
Json to_json(const model::Entry& entry);
Json to_json(const model::SubspaceRange& range);
Json to_json(const model::PathRange& range);
Json to_json(const model::TimeRange& range);
Json to_json(const model::D3Range& range);
Json to_json(const model::Area& area);

}  // namespace osier::json
