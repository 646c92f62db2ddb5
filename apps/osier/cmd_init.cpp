// osier init, osier store check (docs/cli.md "Local node").
#include <fmt/core.h>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "drop/staging.hpp"

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

struct CheckOptions {
  NodeFlags flags;
  bool deep = false;
};

void run_check(const CheckOptions& o) {
  auto n = open_node("store check", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<store::Store*> s = n->store();
  if (!s) return fail("store check", s.status());
  const Status st = o.deep ? (*s)->check_deep() : (*s)->check();
  Result<std::vector<model::NamespaceId>> spaces = (*s)->namespaces();
  // Leftovers of interrupted writers are no damage: the next write removes them.
  Result<store::Leftovers> left = (*s)->leftovers();
  if (!left) return fail("store check", left.status());
  // And drop imports that were killed (their staging under HOME/tmp).
  for (std::string& d : drop::list_stale_staging(n->paths().tmp()))
    left->staging_dirs.push_back(std::move(d));
  const std::size_t leftover_count = left->staging_dirs.size() + left->payload_files.size();
  if (o.flags.json) {
    print_json_line(Json{{"ok", st.is_ok()},
                         {"deep", o.deep},
                         {"problem", st.is_ok() ? Json(nullptr) : Json(st.to_string())},
                         {"leftovers", Json{{"staging_dirs", left->staging_dirs},
                                            {"payload_files", left->payload_files}}}});
  } else {
    if (st.is_ok()) {
      fmt::print("store OK: {} namespace{}, every invariant holds{}\n", spaces ? spaces->size() : 0,
                 spaces && spaces->size() == 1 ? "" : "s",
                 o.deep ? "; every payload byte and every entry's signature verified" : "");
    }
    if (leftover_count > 0) {
      fmt::print(
          "{} leftover{} of interrupted writes (the next write or drop import removes them):\n",
          leftover_count, leftover_count == 1 ? "" : "s");
      for (const auto& d : left->staging_dirs) fmt::print("  {}\n", d);
      for (const auto& f : left->payload_files) fmt::print("  {}\n", f);
    }
  }
  if (!st.is_ok()) fail("store check", error(st.code(), "problem found: " + st.to_string()));
}

}  // namespace

void register_init_commands(CLI::App& app) {
  auto init = std::make_shared<NodeFlags>();
  CLI::App* i = app.add_subcommand(
      "init", "Create the node's home directory (store, keystore, aliases); idempotent");
  add_node_flags(i, *init);
  i->callback([init] { run_init(*init); });

  CLI::App* store = app.add_subcommand("store", "The local store");
  store->require_subcommand(1);
  auto check = std::make_shared<CheckOptions>();
  CLI::App* c =
      store->add_subcommand("check", "Verify every invariant of the store (exit 1 on a problem)");
  add_node_flags(c, check->flags);
  c->add_flag("--deep", check->deep,
              "Also re-verify every payload byte and every entry's signature (reads everything)");
  c->callback([check] { run_check(*check); });
}

}  // namespace osier::cli
