// osier codec list | encode RELATION | decode RELATION [--canonic]: the data-model encodings as a
// JSON Lines filter. Every input line gives exactly one output line; see docs/cli.md.
#include <fmt/core.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/codec.hpp"
#include "base/hex.hpp"
#include "codec_meadowcap.hpp"
#include "commands.hpp"
#include "json_model.hpp"
#include "model/encoding_area.hpp"
#include "model/encoding_entry.hpp"
#include "model/encoding_path.hpp"
#include "model/encoding_private.hpp"
#include "model/encoding_range.hpp"

namespace osier::cli {
namespace {

// One encoding relation, type-erased over its value and reference types.
struct Relation {
  std::string name;
  std::string value_form;      // the JSON form of values, for `list`
  std::string reference_form;  // the JSON form of relative_to; empty for absolute relations
  bool has_canonic = false;
  // Both take the parsed input line and return the output object.
  std::function<Json(const Json& line)> encode;
  std::function<Json(const Json& line, DecodeMode mode)> decode;
};

Json error_line(const std::string& message) { return Json{{"error", message}}; }
Json error_line(const Status& st) { return error_line(st.to_string()); }

// Parses the input's "relative_to" as R (for relative relations).
template <typename R>
Result<R> reference_of(const Json& line) {
  auto it = line.find("relative_to");
  if (it == line.end()) return error(ErrorCode::kInvalidArgument, "missing \"relative_to\"");
  Result<R> r = from_json<R>(*it);
  if (!r) return error(ErrorCode::kInvalidArgument, "relative_to: " + r.status().message());
  return r;
}

template <typename V>
Result<V> value_of(const Json& line) {
  auto it = line.find("value");
  if (it == line.end()) return error(ErrorCode::kInvalidArgument, "missing \"value\"");
  Result<V> v = from_json<V>(*it);
  if (!v) return error(ErrorCode::kInvalidArgument, "value: " + v.status().message());
  return v;
}

Result<Bytes> code_of(const Json& line) {
  auto it = line.find("code");
  if (it == line.end() || !it->is_string()) {
    return error(ErrorCode::kInvalidArgument, "missing \"code\" (a hex string)");
  }
  std::optional<Bytes> b = from_hex(it->get<std::string>());
  if (!b) return error(ErrorCode::kInvalidArgument, "code: not a hex string");
  return *b;
}

// A relation whose encoder is Status(Encoder&, const V&, const R&) and decoder
// Result<V>(Decoder&, const R&, DecodeMode); absolute relations use R = std::monostate.
template <typename V, typename R, typename EncodeFn, typename DecodeFn>
Relation make_relation(std::string name, std::string value_form, std::string reference_form,
                       bool has_canonic, EncodeFn encode, DecodeFn decode) {
  constexpr bool kRelative = !std::is_same_v<R, std::monostate>;
  Relation rel{
      std::move(name), std::move(value_form), std::move(reference_form), has_canonic, {}, {}};
  rel.encode = [encode](const Json& line) -> Json {
    R ref{};
    if constexpr (kRelative) {
      Result<R> r = reference_of<R>(line);
      if (!r) return error_line(r.status().message());
      ref = std::move(r).value();
    }
    Result<V> v = value_of<V>(line);
    if (!v) return error_line(v.status().message());
    Encoder enc;
    Status st = encode(enc, *v, ref);
    if (!st.is_ok()) return error_line(st);
    return Json{{"code", to_hex(enc.bytes())}};
  };
  rel.decode = [decode](const Json& line, DecodeMode mode) -> Json {
    R ref{};
    if constexpr (kRelative) {
      Result<R> r = reference_of<R>(line);
      if (!r) return error_line(r.status().message());
      ref = std::move(r).value();
    }
    Result<Bytes> code = code_of(line);
    if (!code) return error_line(code.status().message());
    Decoder dec(*code);
    Result<V> v = decode(dec, ref, mode);
    if (!v) return error_line(v.status());
    return Json{{"value", to_json(*v)}, {"consumed", dec.position()}};
  };
  return rel;
}

const std::vector<Relation>& relations() {
  using namespace model;
  using None = std::monostate;
  static const std::vector<Relation> kRelations = [] {
    std::vector<Relation> r;
    r.push_back(make_relation<Path, None>(
        "EncodePath", "Path", "", true,
        [](Encoder& e, const Path& v, None) {
          encode_path(e, v);
          return Status::ok();
        },
        [](Decoder& d, None, DecodeMode m) { return decode_path(d, m); }));
    r.push_back(make_relation<Path, Path>(
        "EncodePathRelativePath", "Path", "Path", true,
        [](Encoder& e, const Path& v, const Path& ref) {
          encode_path_rel_path(e, v, ref);
          return Status::ok();
        },
        [](Decoder& d, const Path& ref, DecodeMode m) { return decode_path_rel_path(d, ref, m); }));
    r.push_back(make_relation<Path, Path>(
        "EncodePathExtendsPath", "Path", "Path (a prefix of the value)", true,
        [](Encoder& e, const Path& v, const Path& ref) {
          return encode_path_extends_path(e, v, ref);
        },
        [](Decoder& d, const Path& ref, DecodeMode m) {
          return decode_path_extends_path(d, ref, m);
        }));
    r.push_back(make_relation<Entry, None>(
        "EncodeEntry", "Entry", "", true,
        [](Encoder& e, const Entry& v, None) {
          encode_entry(e, v);
          return Status::ok();
        },
        [](Decoder& d, None, DecodeMode m) { return decode_entry(d, m); }));
    r.push_back(make_relation<Entry, Entry>(
        "EncodeEntryRelativeEntry", "Entry", "Entry", false,
        [](Encoder& e, const Entry& v, const Entry& ref) {
          return encode_entry_relative_entry(e, v, ref);
        },
        [](Decoder& d, const Entry& ref, DecodeMode) {
          return decode_entry_relative_entry(d, ref);
        }));
    r.push_back(make_relation<Entry, EntryInNamespace3dRangeReference>(
        "EncodeEntryInNamespace3dRange", "Entry", "{namespace_id, range: D3Range}", false,
        [](Encoder& e, const Entry& v, const EntryInNamespace3dRangeReference& ref) {
          return encode_entry_in_namespace_3d_range(e, v, ref);
        },
        [](Decoder& d, const EntryInNamespace3dRangeReference& ref, DecodeMode) {
          return decode_entry_in_namespace_3d_range(d, ref);
        }));
    r.push_back(make_relation<Area, Area>(
        "EncodeAreaInArea", "Area", "Area (including the value)", true,
        [](Encoder& e, const Area& v, const Area& ref) { return encode_area_in_area(e, v, ref); },
        [](Decoder& d, const Area& ref, DecodeMode m) { return decode_area_in_area(d, ref, m); }));
    r.push_back(make_relation<D3Range, D3Range>(
        "Encode3dRangeRelative3dRange", "D3Range", "D3Range", false,
        [](Encoder& e, const D3Range& v, const D3Range& ref) {
          return encode_3d_range_relative_3d_range(e, v, ref);
        },
        [](Decoder& d, const D3Range& ref, DecodeMode) {
          return decode_3d_range_relative_3d_range(d, ref);
        }));
    r.push_back(make_relation<Path, PrivatePathContext>(
        "EncodePrivatePathExtendsPath", "Path", "PrivatePathContext {private: Path, rel: Path}",
        false,
        [](Encoder& e, const Path& v, const PrivatePathContext& ref) {
          return encode_private_path_extends_path(e, v, ref);
        },
        [](Decoder& d, const PrivatePathContext& ref, DecodeMode) {
          return decode_private_path_extends_path(d, ref);
        }));
    r.push_back(make_relation<Area, PrivateAreaContext>(
        "EncodePrivateAreaAlmostInArea", "Area",
        "PrivateAreaContext {private: PrivateInterest, rel: Area}", false,
        [](Encoder& e, const Area& v, const PrivateAreaContext& ref) {
          return encode_private_area_almost_in_area(e, v, ref);
        },
        [](Decoder& d, const PrivateAreaContext& ref, DecodeMode) {
          return decode_private_area_almost_in_area(d, ref);
        }));
    for (const MeadowcapRelation& m : meadowcap_relations()) {
      r.push_back(
          Relation{m.name, m.value_form, m.reference_form, m.has_canonic, m.encode, m.decode});
    }
    return r;
  }();
  return kRelations;
}

const Relation* find_relation(std::string_view name) {
  for (const Relation& r : relations()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

void run_list() {
  for (const Relation& r : relations()) {
    std::string line = r.name + "\tvalue: " + r.value_form;
    if (!r.reference_form.empty()) line += "\trelative_to: " + r.reference_form;
    if (r.has_canonic) line += "\tcanonic";
    fmt::print("{}\n", line);
  }
  std::fflush(stdout);
}

// Reads JSON Lines from stdin and writes one result line per input line.
void run_batch(const std::string& name, bool encode, bool canonic) {
  const Relation* rel = find_relation(name);
  if (rel == nullptr) {
    fmt::print(stderr, "osier codec: unknown relation '{}' (`osier codec list` names them)\n",
               name);
    set_exit_code(2);
    return;
  }
  if (canonic && !rel->has_canonic) {
    fmt::print(stderr, "osier codec: {} has no canonic subset; --canonic does not apply\n", name);
    set_exit_code(2);
    return;
  }
  const DecodeMode mode = canonic ? DecodeMode::kCanonic : DecodeMode::kAny;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Json in = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    Json out;
    if (in.is_discarded()) {
      out = error_line("malformed line: not JSON");
    } else if (!in.is_object()) {
      out = error_line("malformed line: expected a JSON object");
    } else {
      out = encode ? rel->encode(in) : rel->decode(in, mode);
    }
    fmt::print("{}\n", out.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  std::fflush(stdout);
}

struct CodecOptions {
  std::string relation;
  bool canonic = false;
};

}  // namespace

void register_codec(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("codec", "Encode and decode Willow data-model values (JSON Lines)");
  cmd->require_subcommand(1);

  CLI::App* list = cmd->add_subcommand("list", "Name the supported encoding relations");
  list->callback([] { run_list(); });

  auto enc_opt = std::make_shared<CodecOptions>();
  CLI::App* enc = cmd->add_subcommand(
      "encode", "Read {\"value\", \"relative_to\"} lines, write {\"code\"} or {\"error\"} lines");
  enc->add_option("relation", enc_opt->relation, "The relation's spec name, e.g. EncodeEntry")
      ->required();
  enc->callback([enc_opt] { run_batch(enc_opt->relation, true, false); });

  auto dec_opt = std::make_shared<CodecOptions>();
  CLI::App* dec = cmd->add_subcommand("decode",
                                      "Read {\"code\", \"relative_to\"} lines, write {\"value\", "
                                      "\"consumed\"} or {\"error\"} lines");
  dec->add_option("relation", dec_opt->relation, "The relation's spec name, e.g. EncodeEntry")
      ->required();
  dec->add_flag("--canonic", dec_opt->canonic,
                "Accept only the canonic code (relations with a canonic subset)");
  dec->callback([dec_opt] { run_batch(dec_opt->relation, false, dec_opt->canonic); });

  register_codec_verify_token(*cmd);
}

}  // namespace osier::cli
