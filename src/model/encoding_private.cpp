#include "osier/model/encoding_private.hpp"

#include "base/compact_u64.hpp"
#include "model/encoding_util.hpp"
#include "osier/model/encoding_area.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::model {
namespace {

bool related(const Path& a, const Path& b) { return a.is_prefix_of(b) || b.is_prefix_of(a); }

bool subspaces_compatible(const std::optional<SubspaceId>& a, const std::optional<SubspaceId>& b) {
  return !a || !b || *a == *b;
}

Status check_path_context(const Path& path, const PrivatePathContext& context) {
  if (!context.rel.is_prefix_of(path)) {
    return error(ErrorCode::kInvalidArgument, "the context's rel path is not a prefix of the path");
  }
  if (!related(context.private_path, path)) {
    return error(ErrorCode::kInvalidArgument,
                 "the context's private path is not related to the path");
  }
  return Status::ok();
}

// One difference of the time range: from the reference start (preferred on ties) or end.
struct TimeDiff {
  bool from_start;
  std::uint64_t diff;
};

TimeDiff shorter_diff(std::uint64_t from_start, std::optional<std::uint64_t> from_end) {
  if (from_end && c64_minimal_tag(*from_end, 2) < c64_minimal_tag(from_start, 2)) {
    return {false, *from_end};
  }
  return {true, from_start};
}

}  // namespace

// spec: encodings#enc_private_paths
Status encode_private_path_extends_path(Encoder& enc, const Path& path,
                                        const PrivatePathContext& context) {
  OSIER_RETURN_IF_ERROR(check_path_context(path, context));
  const std::size_t private_count = context.private_path.component_count();
  if (private_count <= context.rel.component_count()) {
    return encode_path_extends_path(enc, path, context.rel);
  }
  c64_encode_standalone(enc, path.common_prefix_count(context.private_path));
  if (context.private_path.is_prefix_of(path)) {
    return encode_path_extends_path(enc, path, context.private_path);
  }
  return Status::ok();
}

Result<Path> decode_private_path_extends_path(Decoder& dec, const PrivatePathContext& context) {
  const std::size_t private_count = context.private_path.component_count();
  Path path;
  if (private_count <= context.rel.component_count()) {
    OSIER_ASSIGN_OR_RETURN(path, decode_path_extends_path(dec, context.rel, DecodeMode::kAny));
  } else {
    OSIER_ASSIGN_OR_RETURN(std::uint64_t common, c64_decode_standalone(dec, DecodeMode::kAny));
    if (common > private_count) {
      return invalid_encoding("common prefix is longer than the private path");
    }
    if (common == private_count) {
      OSIER_ASSIGN_OR_RETURN(path,
                             decode_path_extends_path(dec, context.private_path, DecodeMode::kAny));
    } else {
      // The path is a proper prefix of the private path: nothing else is encoded.
      path = context.private_path.prefix(static_cast<std::size_t>(common));
    }
  }
  if (!check_path_context(path, context).is_ok()) {
    return invalid_encoding("decoded path does not fit the private path context");
  }
  return path;
}

bool area_almost_includes_area(const Area& outer, const Area& inner) {
  if (!subspaces_compatible(outer.subspace, inner.subspace)) return false;
  Area widened = outer;
  widened.subspace = inner.subspace;
  return area_includes_area_for_encoding(widened, inner);
}

bool private_interest_almost_includes_area(const PrivateInterest& interest, const Area& area) {
  return related(interest.path, area.path) &&
         subspaces_compatible(interest.subspace_id, area.subspace);
}

namespace {

Status check_area_context(const PrivateAreaContext& context) {
  if (!private_interest_almost_includes_area(context.private_interest, context.rel)) {
    return error(ErrorCode::kInvalidArgument,
                 "the context's private interest does not almost include its rel area");
  }
  return Status::ok();
}

PrivatePathContext path_context(const PrivateAreaContext& context) {
  return PrivatePathContext{context.private_interest.path, context.rel.path};
}

}  // namespace

// spec: encodings#enc_private_areas
Status encode_private_area_almost_in_area(Encoder& enc, const Area& area,
                                          const PrivateAreaContext& context) {
  OSIER_RETURN_IF_ERROR(check_area_context(context));
  const Area& rel = context.rel;
  if (!area_almost_includes_area(rel, area)) {
    return error(ErrorCode::kInvalidArgument,
                 "the context's rel area does not almost include the area");
  }
  Encoder path_code;
  OSIER_RETURN_IF_ERROR(
      encode_private_path_extends_path(path_code, area.path, path_context(context)));

  const TimeRange& rt = rel.times;
  const TimeRange& vt = area.times;
  std::optional<std::uint64_t> start_from_end;
  std::optional<std::uint64_t> end_from_end;
  if (rt.end) {  // then vt.end is closed too
    start_from_end = *rt.end - vt.start;
    end_from_end = *rt.end - *vt.end;
  }
  AreaTimeCode time;
  const TimeDiff start = shorter_diff(vt.start - rt.start, start_from_end);
  time.start_from_start = start.from_start;
  time.start_diff = start.diff;
  // With an open rel end, end_from_start says whether the area's end is closed.
  time.end_from_start = vt.end.has_value();
  if (vt.end) {
    const TimeDiff end = shorter_diff(*vt.end - rt.start, end_from_end);
    time.end_from_start = end.from_start;
    time.end_diff = end.diff;
  }

  const bool subspace_differs = area.subspace != rel.subspace;
  BitByte header;
  header.set_bit(0, subspace_differs);
  header.set_bit(1, !area.subspace);
  set_area_time_bits(header, time);
  enc.byte(header.value());
  // SPEC-NOTES: the condition compares the subspace with `any` (the text says "open").
  if (area.subspace && subspace_differs) enc.bytes(*area.subspace);
  encode_area_time_diffs(enc, time);
  enc.bytes(path_code.bytes());
  return Status::ok();
}

Result<Area> decode_private_area_almost_in_area(Decoder& dec, const PrivateAreaContext& context) {
  OSIER_RETURN_IF_ERROR(check_area_context(context));
  const Area& rel = context.rel;
  const TimeRange& rt = rel.times;
  OSIER_ASSIGN_OR_RETURN(std::uint8_t header_byte, dec.byte());
  const BitByte header(header_byte);
  const bool subspace_differs = header.bit(0);
  const bool subspace_any = header.bit(1);
  const bool start_from_start = header.bit(2);
  if (!rt.end && !start_from_start)
    return invalid_encoding("start encoded relative to an open end");
  // With a closed rel end the area's end is closed; with an open one, end_from_start says so.
  const bool end_open = !rt.end && !header.bit(3);

  Area area;
  if (!subspace_differs) {
    if (subspace_any != !rel.subspace)
      return invalid_encoding("subspace flags contradict each other");
    area.subspace = rel.subspace;
  } else if (subspace_any) {
    if (!rel.subspace) return invalid_encoding("subspace marked as different but both are any");
  } else {
    if (rel.subspace) return invalid_encoding("subspace differs from the rel area's subspace");
    OSIER_ASSIGN_OR_RETURN(SubspaceId id, dec.array<32>());
    area.subspace = id;
  }
  OSIER_ASSIGN_OR_RETURN(area.times, decode_area_times(dec, header, end_open, rt));
  OSIER_ASSIGN_OR_RETURN(area.path, decode_private_path_extends_path(dec, path_context(context)));
  if (!area_almost_includes_area(rel, area)) {
    return invalid_encoding("decoded area is not almost included in the rel area");
  }
  return area;
}

}  // namespace osier::model
