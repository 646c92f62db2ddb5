// Private encodings: EncodePrivatePathExtendsPath and EncodePrivateAreaAlmostInArea, which encode
// a value relative to a reference without revealing a secret PrivateInterest.
// spec: encodings#enc_private
#pragma once

#include <optional>

#include "osier/base/codec.hpp"
#include "osier/model/area.hpp"
#include "osier/model/path.hpp"

namespace osier::model {

// spec: private_interest_overlap#PrivateInterest
struct PrivateInterest {
  NamespaceId namespace_id{};
  std::optional<SubspaceId> subspace_id;  // nullopt = any subspace (ss_any)
  Path path;

  bool operator==(const PrivateInterest&) const = default;
};

// spec: encodings#PrivatePathContext
struct PrivatePathContext {
  Path private_path;  // the path whose components are kept private
  Path rel;           // the prefix relative to which we encode
};

// spec: encodings#PrivateAreaContext
struct PrivateAreaContext {
  PrivateInterest private_interest;
  Area rel;  // the almost-including area relative to which we encode
};

// spec: encodings#enc_private_paths (EncodePrivatePathExtendsPath). No canonic subset; the
// encoder uses minimal tags. Fails with kInvalidArgument unless context.rel is a prefix of
// `path` and context.private_path is related to `path`.
Status encode_private_path_extends_path(Encoder& enc, const Path& path,
                                        const PrivatePathContext& context);
Result<Path> decode_private_path_extends_path(Decoder& dec, const PrivatePathContext& context);

// spec: encodings#almost_include — outer almost includes inner.
bool area_almost_includes_area(const Area& outer, const Area& inner);
// spec: encodings#pi_amost_include
bool private_interest_almost_includes_area(const PrivateInterest& interest, const Area& area);

// spec: encodings#enc_private_areas (EncodePrivateAreaAlmostInArea). No canonic subset; the
// encoder writes the shortest code, differences from the reference start on ties, arbitrary
// bits zero (SPEC-NOTES). Fails with kInvalidArgument when the context does not satisfy the
// relation's conditions for `area` (including that the private path is related to area.path,
// which EncodePrivatePathExtendsPath needs). The decoder rejects such a context the same way.
Status encode_private_area_almost_in_area(Encoder& enc, const Area& area,
                                          const PrivateAreaContext& context);
Result<Area> decode_private_area_almost_in_area(Decoder& dec, const PrivateAreaContext& context);

}  // namespace osier::model
