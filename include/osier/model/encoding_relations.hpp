// The registry of the data model's encoding relations: one EncodingRelation each (the names,
// value and reference types and canonic subsets of the encodings page), and
// kModelEncodingRelations, the tuple of all of them. Meadowcap's join them in
// osier/meadowcap/encoding_relations.hpp.
#pragma once

#include <tuple>

#include "osier/model/area.hpp"
#include "osier/model/encoding_area.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/model/encoding_path.hpp"
#include "osier/model/encoding_private.hpp"
#include "osier/model/encoding_range.hpp"
#include "osier/model/encoding_relation.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"

namespace osier::model {

inline constexpr EncodingRelation<Path> kEncodePath{
    "EncodePath",
    "encodings#encsec_EncodePath",
    true,
    "Path",
    "",
    [](Encoder& e, const Path& v, const NoReference&) {
      encode_path(e, v);
      return Status::ok();
    },
    [](Decoder& d, const NoReference&, DecodeMode m) { return decode_path(d, m); }};

inline constexpr EncodingRelation<Path, Path> kEncodePathRelativePath{
    "EncodePathRelativePath",
    "encodings#encsec_EncodePathRelativePath",
    true,
    "Path",
    "Path",
    [](Encoder& e, const Path& v, const Path& ref) {
      encode_path_rel_path(e, v, ref);
      return Status::ok();
    },
    [](Decoder& d, const Path& ref, DecodeMode m) { return decode_path_rel_path(d, ref, m); }};

inline constexpr EncodingRelation<Path, Path> kEncodePathExtendsPath{
    "EncodePathExtendsPath",
    "encodings#encsec_EncodePathExtendsPath",
    true,
    "Path",
    "Path (a prefix of the value)",
    [](Encoder& e, const Path& v, const Path& ref) { return encode_path_extends_path(e, v, ref); },
    [](Decoder& d, const Path& ref, DecodeMode m) { return decode_path_extends_path(d, ref, m); }};

inline constexpr EncodingRelation<Entry> kEncodeEntry{
    "EncodeEntry",
    "encodings#encsec_EncodeEntry",
    true,
    "Entry",
    "",
    [](Encoder& e, const Entry& v, const NoReference&) {
      encode_entry(e, v);
      return Status::ok();
    },
    [](Decoder& d, const NoReference&, DecodeMode m) { return decode_entry(d, m); }};

inline constexpr EncodingRelation<Entry, Entry> kEncodeEntryRelativeEntry{
    "EncodeEntryRelativeEntry",
    "encodings#encsec_EncodeEntryRelativeEntry",
    false,
    "Entry",
    "Entry",
    [](Encoder& e, const Entry& v, const Entry& ref) {
      return encode_entry_relative_entry(e, v, ref);
    },
    [](Decoder& d, const Entry& ref, DecodeMode) { return decode_entry_relative_entry(d, ref); }};

inline constexpr EncodingRelation<Entry, EntryInNamespace3dRangeReference>
    kEncodeEntryInNamespace3dRange{
        "EncodeEntryInNamespace3dRange",
        "encodings#encsec_EncodeEntryInNamespace3dRange",
        false,
        "Entry",
        "{namespace_id, range: D3Range}",
        [](Encoder& e, const Entry& v, const EntryInNamespace3dRangeReference& ref) {
          return encode_entry_in_namespace_3d_range(e, v, ref);
        },
        [](Decoder& d, const EntryInNamespace3dRangeReference& ref, DecodeMode) {
          return decode_entry_in_namespace_3d_range(d, ref);
        }};

inline constexpr EncodingRelation<Area, Area> kEncodeAreaInArea{
    "EncodeAreaInArea",
    "encodings#area_encodings",
    true,
    "Area",
    "Area (including the value)",
    [](Encoder& e, const Area& v, const Area& ref) { return encode_area_in_area(e, v, ref); },
    [](Decoder& d, const Area& ref, DecodeMode m) { return decode_area_in_area(d, ref, m); }};

inline constexpr EncodingRelation<D3Range, D3Range> kEncode3dRangeRelative3dRange{
    "Encode3dRangeRelative3dRange",
    "encodings#d3range_encodings",
    false,
    "D3Range",
    "D3Range",
    [](Encoder& e, const D3Range& v, const D3Range& ref) {
      return encode_3d_range_relative_3d_range(e, v, ref);
    },
    [](Decoder& d, const D3Range& ref, DecodeMode) {
      return decode_3d_range_relative_3d_range(d, ref);
    }};

inline constexpr EncodingRelation<Path, PrivatePathContext> kEncodePrivatePathExtendsPath{
    "EncodePrivatePathExtendsPath",
    "encodings#enc_private_paths",
    false,
    "Path",
    "PrivatePathContext {private: Path, rel: Path}",
    [](Encoder& e, const Path& v, const PrivatePathContext& ref) {
      return encode_private_path_extends_path(e, v, ref);
    },
    [](Decoder& d, const PrivatePathContext& ref, DecodeMode) {
      return decode_private_path_extends_path(d, ref);
    }};

inline constexpr EncodingRelation<Area, PrivateAreaContext> kEncodePrivateAreaAlmostInArea{
    "EncodePrivateAreaAlmostInArea",
    "encodings#enc_private_areas",
    false,
    "Area",
    "PrivateAreaContext {private: PrivateInterest, rel: Area}",
    [](Encoder& e, const Area& v, const PrivateAreaContext& ref) {
      return encode_private_area_almost_in_area(e, v, ref);
    },
    [](Decoder& d, const PrivateAreaContext& ref, DecodeMode) {
      return decode_private_area_almost_in_area(d, ref);
    }};

// Every data-model relation, in the order of the encodings page (and of `osier codec list`).
inline constexpr std::tuple kModelEncodingRelations{kEncodePath,
                                                    kEncodePathRelativePath,
                                                    kEncodePathExtendsPath,
                                                    kEncodeEntry,
                                                    kEncodeEntryRelativeEntry,
                                                    kEncodeEntryInNamespace3dRange,
                                                    kEncodeAreaInArea,
                                                    kEncode3dRangeRelative3dRange,
                                                    kEncodePrivatePathExtendsPath,
                                                    kEncodePrivateAreaAlmostInArea};

}  // namespace osier::model
