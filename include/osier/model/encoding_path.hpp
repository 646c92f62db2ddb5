// Path encodings: EncodePath, EncodePathRelativePath, EncodePathExtendsPath.
// spec: encodings#enc_path
//
// Encoders write the canonic code. Decoders accept every code of the relation (kAny) or only
// the canonic one (kCanonic), never read past their input, and reject paths beyond the
// Willow'25 limits before allocating for them.
#pragma once

#include <cstddef>
#include <vector>

#include "osier/base/codec.hpp"
#include "osier/model/path.hpp"

namespace osier::model {

// spec: encodings#encsec_EncodePath (canonic: encode_path)
void encode_path(Encoder& enc, const Path& path);
Result<Path> decode_path(Decoder& dec, DecodeMode mode);

// spec: encodings#encsec_EncodePathRelativePath (canonic: path_rel_path). Any path can be
// encoded relative to any path.
void encode_path_rel_path(Encoder& enc, const Path& path, const Path& reference);
Result<Path> decode_path_rel_path(Decoder& dec, const Path& reference, DecodeMode mode);

// spec: encodings#encsec_EncodePathExtendsPath (canonic: path_extends_path).
// Fails with kInvalidArgument unless `prefix` is a prefix of `path`.
Status encode_path_extends_path(Encoder& enc, const Path& path, const Path& prefix);
Result<Path> decode_path_extends_path(Decoder& dec, const Path& prefix, DecodeMode mode);

// Building blocks shared with the other encodings.

// EncodePath of the path difference from path.prefix(from) to path (components from..end).
// REQUIRES: from <= path.component_count().
void encode_path_suffix(Encoder& enc, const Path& path, std::size_t from);

// Decodes an EncodePath code and appends its components (views into the decoder's input) to
// `components`; fails if the result would hold more than the Willow'25 limits allow.
Status decode_path_components(Decoder& dec, DecodeMode mode, std::vector<ByteView>& components);

// `reference`'s first `count` components followed by the decoded components of an EncodePath
// code. REQUIRES: count <= reference.component_count().
Result<Path> decode_path_after_prefix(Decoder& dec, const Path& reference, std::size_t count,
                                      DecodeMode mode);

}  // namespace osier::model
