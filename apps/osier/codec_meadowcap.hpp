// The Meadowcap relations of `osier codec`, and `osier codec verify-token` (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "base/codec.hpp"
#include "json_model.hpp"

namespace osier::cli {

// One relation in the shape cmd_codec.cpp's table uses: each function maps an input line to
// the output line.
struct MeadowcapRelation {
  std::string name;
  std::string value_form;
  std::string reference_form;  // empty for absolute relations
  bool has_canonic = false;
  std::function<Json(const Json& line)> encode;
  std::function<Json(const Json& line, DecodeMode mode)> decode;
};

const std::vector<MeadowcapRelation>& meadowcap_relations();

// Adds `verify-token` to the `codec` subcommand: {"entry", "token"} lines in,
// {"authorised": bool, "reason": text} lines out.
void register_codec_verify_token(CLI::App& codec);

}  // namespace osier::cli
