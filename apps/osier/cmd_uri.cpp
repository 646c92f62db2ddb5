// osier uri normalize|parse: willow:// URIs in normal form, or their fields (docs/cli.md).
#include <fmt/core.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "commands.hpp"
#include "osier/base/hex.hpp"
#include "osier/json/model.hpp"
#include "osier/uri/percent.hpp"
#include "osier/uri/willow_uri.hpp"

namespace osier::cli {
namespace {

using json::Json;
using json::to_json;

struct UriOptions {
  std::string uri;
  std::vector<std::string> aliases;  // NAME=ID
  bool json = false;
};

// Parses the --alias NAME=ID options (ID: 64 hex digits, optionally after '+' or '-').
bool alias_table(const std::vector<std::string>& specs, const char* command,
                 std::map<std::string, ByteArray<32>, std::less<>>& out) {
  for (const std::string& spec : specs) {
    const std::size_t eq = spec.find('=');
    std::string_view id =
        eq == std::string::npos ? std::string_view() : std::string_view(spec).substr(eq + 1);
    if (!id.empty() && (id[0] == '+' || id[0] == '-')) id.remove_prefix(1);
    const std::optional<ByteArray<32>> bytes = array_from_hex<32>(id);
    if (eq == 0 || !bytes) {
      fmt::print(stderr, "osier uri {}: --alias needs NAME=ID with a 64-hex-digit id, not '{}'\n",
                 command, spec);
      return false;
    }
    out[spec.substr(0, eq)] = *bytes;
  }
  return true;
}

std::string fragment_text(const std::optional<Bytes>& fragment) {
  std::string s;
  if (fragment) uri::fragment_encode(*fragment, s);
  return s;
}

Json common_json(const uri::WillowUri& u) {
  return std::visit(
      [&](const auto& x) {
        Json j;
        j["normal_form"] = uri::to_string(u);
        j["namespace_id"] = to_json(x.namespace_id);
        j["communal"] = model::is_communal(x.namespace_id);
        j["subspace_id"] = to_json(x.subspace_id);
        j["path"] = to_json(x.path);
        j["path_text"] = x.path.to_string();
        j["hints"] = x.hints;
        j["fragment"] = x.fragment ? Json(to_hex(*x.fragment)) : Json(nullptr);
        return j;
      },
      u);
}

Json optional_json(const std::optional<std::uint64_t>& v) { return v ? Json(*v) : Json(nullptr); }
// An Area URI's 0 limit means "no limit": null in JSON.
Json limit_json(std::uint64_t v) { return v == 0 ? Json(nullptr) : Json(v); }

Json uri_json(const uri::WillowUri& u) {
  Json j = common_json(u);
  if (const auto* e = std::get_if<uri::EntryUri>(&u)) {
    j["kind"] = "entry";
    j["expected_digest"] = e->expected_digest ? to_json(*e->expected_digest) : Json(nullptr);
    j["payload_from"] = optional_json(e->payload_from);
    j["payload_to"] = optional_json(e->payload_to);
  } else {
    const auto& a = std::get<uri::AreaUri>(u);
    j["kind"] = "area";
    j["max_count"] = limit_json(a.max_count);
    j["max_size"] = limit_json(a.max_size);
    j["timestamp_from"] = a.timestamp_from;
    j["timestamp_to"] = optional_json(a.timestamp_to);
  }
  return j;
}

std::string or_text(const std::optional<std::uint64_t>& v, const char* none) {
  return v ? std::to_string(*v) : std::string(none);
}

void print_human(const uri::WillowUri& u) {
  const Json j = common_json(u);
  fmt::print("kind:           {}\n", std::holds_alternative<uri::EntryUri>(u) ? "entry" : "area");
  std::visit(
      [&](const auto& x) {
        fmt::print("normal form:    {}\n", j["normal_form"].get<std::string>());
        fmt::print("namespace id:   {} ({})\n", to_hex(x.namespace_id),
                   model::is_communal(x.namespace_id) ? "communal" : "owned");
        fmt::print("subspace id:    {}\n", to_hex(x.subspace_id));
        const std::size_t n = x.path.component_count();
        fmt::print("path:           {} ({} component{})\n", n == 0 ? "(empty)" : x.path.to_string(),
                   n, n == 1 ? "" : "s");
        for (const std::string& h : x.hints) fmt::print("hint:           {}\n", h);
        fmt::print("fragment:       {}\n", x.fragment
                                               ? std::string("#").append(fragment_text(x.fragment))
                                               : std::string("(none)"));
      },
      u);
  if (const auto* e = std::get_if<uri::EntryUri>(&u)) {
    fmt::print("digest:         {}\n",
               e->expected_digest ? to_hex(*e->expected_digest) : std::string("(any)"));
    if (!e->payload_from && !e->payload_to) {
      fmt::print("payload slice:  (none: the entry only)\n");
    } else {
      fmt::print("payload slice:  from {} to {}\n", e->payload_from.value_or(0),
                 or_text(e->payload_to, "the end"));
    }
  } else {
    const auto& a = std::get<uri::AreaUri>(u);
    fmt::print("max count:      {}\n",
               a.max_count == 0 ? std::string("no limit") : std::to_string(a.max_count));
    fmt::print("max size:       {}\n",
               a.max_size == 0 ? std::string("no limit") : std::to_string(a.max_size));
    fmt::print("time range:     from {} to {}\n", a.timestamp_from,
               or_text(a.timestamp_to, "open"));
  }
}

void run(const UriOptions& opt, bool normalize_only) {
  const char* command = normalize_only ? "normalize" : "parse";
  std::map<std::string, ByteArray<32>, std::less<>> aliases;
  if (!alias_table(opt.aliases, command, aliases)) {
    set_exit_code(2);
    return;
  }
  uri::AliasResolver resolver;
  if (!aliases.empty()) {
    resolver = [&aliases](uri::IdKind, std::string_view name) -> std::optional<ByteArray<32>> {
      auto it = aliases.find(name);
      if (it == aliases.end()) return std::nullopt;
      return it->second;
    };
  }
  Result<uri::WillowUri> parsed = uri::parse_uri(opt.uri, resolver);
  if (!parsed) {
    fmt::print(stderr, "osier uri {}: {}\n", command, parsed.status().message());
    set_exit_code(1);
    return;
  }
  if (normalize_only) {
    fmt::print("{}\n", uri::to_string(*parsed));
  } else if (opt.json) {
    fmt::print("{}\n", uri_json(*parsed).dump());
  } else {
    print_human(*parsed);
  }
  std::fflush(stdout);
}

void add_common(CLI::App* cmd, const std::shared_ptr<UriOptions>& opt) {
  cmd->add_option("uri", opt->uri, "A willow:// URI")->required();
  cmd->add_option(
      "--alias", opt->aliases,
      "NAME=ID: accept NAME in place of a namespace or subspace id (64 hex digits); repeatable");
}

}  // namespace

void register_uri(CLI::App& app) {
  CLI::App* uri = app.add_subcommand("uri", "willow:// URIs of entries and areas");
  uri->require_subcommand(1);

  auto norm = std::make_shared<UriOptions>();
  CLI::App* n = uri->add_subcommand("normalize", "Print a willow:// URI in normal form");
  add_common(n, norm);
  n->callback([norm] { run(*norm, true); });

  auto parse = std::make_shared<UriOptions>();
  CLI::App* p = uri->add_subcommand("parse", "Print the fields of a willow:// URI");
  add_common(p, parse);
  p->add_flag("--json", parse->json, "One JSON object instead of text");
  p->callback([parse] { run(*parse, false); });
}

}  // namespace osier::cli
