// osier init, osier store check (docs/cli.md "Local node").
#include <fmt/core.h>

#include "cmd_node.hpp"
#include "commands.hpp"

namespace osier::cli {
namespace {

void run_init(const NodeFlags& flags) {
  Result<node::HomePaths> home = node::resolve_home(flags.home);
  if (!home) return fail("init", home.status());
  Result<std::vector<std::string>> created = node::init_home(*home);
  if (!created) return fail("init", created.status());
  if (flags.json) {
    print_json_line(Json{{"home", home->root}, {"created", *created}});
    return;
  }
  if (created->empty()) {
    fmt::print("osier home {} is ready (nothing to create)\n", home->root);
    return;
  }
  fmt::print("initialised osier home {}:\n", home->root);
  for (const std::string& c : *created) fmt::print("  created {}\n", c);
}

void run_check(const NodeFlags& flags) {
  auto n = open_node("store check", flags);
  if (!n) return;
  Result<store::LmdbStore*> s = n->store();
  if (!s) return fail("store check", s.status());
  const Status st = (*s)->check();
  Result<std::vector<model::NamespaceId>> spaces = (*s)->namespaces();
  if (flags.json) {
    print_json_line(Json{{"ok", st.is_ok()}, {"problem", st.is_ok() ? Json(nullptr) : Json(st.to_string())}});
  } else if (st.is_ok()) {
    fmt::print("store OK: {} namespace(s), every invariant holds\n", spaces ? spaces->size() : 0);
  }
  if (!st.is_ok()) fail("store check", error(st.code(), "problem found: " + st.to_string()));
}

}  // namespace

void register_init_commands(CLI::App& app) {
  auto init = std::make_shared<NodeFlags>();
  CLI::App* i = app.add_subcommand("init", "Create the node's home directory (store, keystore, aliases); idempotent");
  add_node_flags(i, *init);
  i->callback([init] { run_init(*init); });

  CLI::App* store = app.add_subcommand("store", "The local store");
  store->require_subcommand(1);
  auto check = std::make_shared<NodeFlags>();
  CLI::App* c = store->add_subcommand("check", "Verify every invariant of the store (exit 1 on a problem)");
  add_node_flags(c, *check);
  c->callback([check] { run_check(*check); });
}

}  // namespace osier::cli
