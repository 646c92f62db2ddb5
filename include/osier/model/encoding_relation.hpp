// One descriptor per encoding relation: its spec name and section, whether it has a canonic
// subset, and a uniform encode/decode relative to an explicit reference value.
// spec: encodings#encoding_relation, encodings#relative_encoding_relation
//
// The encoders and decoders of the spec's relations have irregular signatures (some take a
// reference, some a context struct, some a DecodeMode, some cannot fail). An EncodingRelation
// adapts one relation to the same shape, so that generic code handles every relation alike:
// `osier codec` (osier/json/codec_relations.hpp), the relation-property tests
// (tests/model/encoding_check.hpp: check_relation) and the fuzz targets (fuzz/fuzz_codec.hpp).
//
// Descriptors are constexpr values (a name and two plain function pointers), grouped into
// registries that are tuples: osier/model/encoding_relations.hpp (the data model's relations),
// osier/meadowcap/encoding_relations.hpp (Meadowcap's, and the registry of both). A later layer
// adds its relations the same way: constexpr descriptors and a tuple, joined with std::tuple_cat.
// A stateful codec (e.g. a sync message relative to a decoder state) registers with the state as
// its reference: the adapter copies the state and lets the codec update the copy.
#pragma once

#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "osier/base/codec.hpp"
#include "osier/base/status.hpp"

namespace osier::model {

// The reference of an absolute relation (one that encodes a value on its own).
struct NoReference {
  bool operator==(const NoReference&) const = default;
};

// The encoding relation of values V relative to references R (NoReference: absolute).
template <typename V, typename R = NoReference>
struct EncodingRelation {
  using Value = V;
  using Reference = R;
  static constexpr bool kRelative = !std::is_same_v<R, NoReference>;

  std::string_view name;  // the spec's name, e.g. "EncodeEntryRelativeEntry"
  std::string_view spec;  // the spec section, e.g. "encodings#encsec_EncodeEntryRelativeEntry"
  // Whether the relation has a canonic subset: then the encoder writes the canonic code and
  // DecodeMode::kCanonic accepts only it. Without one, the decoder ignores the mode.
  bool canonic = false;
  // The values and references the relation holds, in words (`osier codec list` prints them).
  std::string_view values;
  std::string_view references;  // empty for absolute relations
  // Appends the code of `value` relative to `reference`; kInvalidArgument when the pair lies
  // outside the relation (the relation then has no code for it).
  Status (*encode_fn)(Encoder& enc, const V& value, const R& reference) = nullptr;
  // Decodes one code from the front of `dec` (a strict prefix of a code is kIncomplete).
  Result<V> (*decode_fn)(Decoder& dec, const R& reference, DecodeMode mode) = nullptr;

  Status encode(Encoder& enc, const V& value, const R& reference) const {
    return encode_fn(enc, value, reference);
  }
  Result<Bytes> encode(const V& value, const R& reference) const {
    Encoder enc;
    OSIER_RETURN_IF_ERROR(encode_fn(enc, value, reference));
    return enc.take();
  }
  Result<V> decode(Decoder& dec, const R& reference, DecodeMode mode) const {
    return decode_fn(dec, reference, mode);
  }
};

// Calls f(relation) for each descriptor of a registry tuple, in order.
template <typename Registry, typename F>
constexpr void for_each_relation(const Registry& registry, F&& f) {
  std::apply([&](const auto&... relation) { (f(relation), ...); }, registry);
}

// The number of relations in a registry tuple.
template <typename Registry>
constexpr std::size_t relation_count(const Registry&) {
  return std::tuple_size_v<Registry>;
}

}  // namespace osier::model
