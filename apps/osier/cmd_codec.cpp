// osier codec list | encode RELATION | decode RELATION [--canonic] | verify-token: the encoding
// relations of the data model and Meadowcap (osier/json/codec_relations.hpp) as a JSON Lines
// filter. Every input line gives exactly one output line; see docs/cli.md.
#include <fmt/core.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "osier/json/codec_relations.hpp"
#include "osier/meadowcap/authorisation.hpp"

namespace osier::cli {
namespace {

using json::Json;

Status malformed(const char* what) {
  return error(ErrorCode::kInvalidArgument, std::string("malformed line: ") + what);
}

void run_list() {
  for (const json::CodecRelation& r : json::codec_relations()) {
    std::string line = std::string(r.name) + "\tvalue: " + std::string(r.values);
    if (!r.references.empty()) line += "\trelative_to: " + std::string(r.references);
    if (r.canonic) line += "\tcanonic";
    fmt::print("{}\n", line);
  }
  std::fflush(stdout);
}

// Reads JSON Lines from stdin and writes handle(line) for each, one line per input line.
void run_lines(const std::function<Json(const Json& request)>& handle) {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const Json in = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    Json out;
    if (in.is_discarded()) {
      out = json::error_response(malformed("not JSON"));
    } else if (!in.is_object()) {
      out = json::error_response(malformed("expected a JSON object"));
    } else {
      out = handle(in);
    }
    fmt::print("{}\n", out.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  std::fflush(stdout);
}

void run_batch(const std::string& name, bool encode, bool canonic) {
  const json::CodecRelation* rel = json::find_codec_relation(name);
  if (rel == nullptr) {
    fmt::print(stderr, "osier codec: unknown relation '{}' (`osier codec list` names them)\n",
               name);
    set_exit_code(2);
    return;
  }
  if (canonic && !rel->canonic) {
    fmt::print(stderr, "osier codec: {} has no canonic subset; --canonic does not apply\n", name);
    set_exit_code(2);
    return;
  }
  const DecodeMode mode = canonic ? DecodeMode::kCanonic : DecodeMode::kAny;
  if (encode) {
    run_lines(rel->encode);
  } else {
    run_lines([&](const Json& in) { return rel->decode(in, mode); });
  }
}

// {"entry", "token"} -> {"authorised", "reason"} (meadowcap_check_authorised_write).
Json verify_line(const Json& in) {
  Result<model::Entry> entry = json::request_member<model::Entry>(in, "entry");
  if (!entry) return json::error_response(entry.status());
  Result<meadowcap::MeadowcapAuthorisationToken> token =
      json::request_member<meadowcap::MeadowcapAuthorisationToken>(in, "token");
  if (!token) return json::error_response(token.status());
  const Status st = meadowcap::meadowcap_check_authorised_write(*entry, *token);
  return Json{{"authorised", st.is_ok()}, {"reason", st.is_ok() ? "ok" : st.message()}};
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

  CLI::App* verify = cmd->add_subcommand(
      "verify-token",
      "Read {\"entry\", \"token\"} lines, write {\"authorised\", \"reason\"} lines "
      "(meadowcap_is_authorised_write)");
  verify->callback([] { run_lines(verify_line); });
}

}  // namespace osier::cli
