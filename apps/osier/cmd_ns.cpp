// osier ns new|list|add|forget: namespaces and their aliases.
#include <fmt/core.h>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "osier/base/hex.hpp"
#include "osier/node/names.hpp"

namespace osier::cli {
namespace {

struct NsOptions {
  NodeFlags flags;
  std::string name;
  std::string id;
  bool communal = false;
  bool owned = false;
  bool yes = false;
};

void print_ns(const NsOptions& o, const std::string& name, const model::NamespaceId& id,
              bool secret) {
  const bool communal = model::is_communal(id);
  if (o.flags.json) {
    print_json_line(
        Json{{"name", name}, {"id", to_hex(id)}, {"communal", communal}, {"secret", secret}});
  } else {
    fmt::print("namespace {}: {}{} ({}{})\n", name, communal ? '+' : '-', to_hex(id),
               communal ? "communal" : "owned", secret ? ", secret key held" : "");
  }
}

void run_new(const NsOptions& o) {
  auto n = open_node("ns new", o.flags);
  if (!n) return;
  if (o.communal == o.owned) {
    return fail(
        "ns new",
        error(ErrorCode::kInvalidArgument, o.communal ? "--communal and --owned: not both"
                                                      : "say which kind: --communal or --owned"),
        2);
  }
  Result<model::NamespaceId> id = node::new_namespace(n->home(), o.name, o.communal);
  if (!id) return fail("ns new", id.status());
  print_ns(o, o.name, *id, o.owned);
}

void run_add(const NsOptions& o) {
  auto n = open_node("ns add", o.flags);
  if (!n) return;
  // An alias table entry for the id: the same parse (and sign check) as everywhere else.
  Result<model::NamespaceId> parsed = node::Aliases().namespace_id(o.id);
  if (!parsed && parsed.status().code() == ErrorCode::kInvalidArgument)
    return fail("ns add", parsed.status());
  const std::optional<ByteArray<32>> id =
      parsed ? std::optional<ByteArray<32>>(*parsed) : std::nullopt;
  if (!id)
    return fail("ns add", error(ErrorCode::kInvalidArgument,
                                "a namespace id is 64 hex digits, not '" + o.id + "'"));
  const Status st = n->update_names([&](node::Aliases& a) -> Status {
    if (auto other = a.name_of(uri::IdKind::kNamespace, *id)) {
      return error(ErrorCode::kInvalidArgument,
                   "this namespace is known already as '" + *other + "'");
    }
    return a.add(uri::IdKind::kNamespace, o.name, *id);
  });
  if (!st) return fail("ns add", st);
  print_ns(o, o.name, *id, false);
}

void run_list(const NsOptions& o) {
  auto n = open_node("ns list", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<store::Store*> s = n->store();
  if (!s) return fail("ns list", s.status());
  // Every namespace: those with an alias, and those that only hold entries (from a drop import,
  // say), which show their id where the name would be.
  const node::Aliases& names = n->aliases();  // one snapshot for the whole listing
  std::vector<std::pair<std::string, model::NamespaceId>> rows(names.namespaces().begin(),
                                                               names.namespaces().end());
  Result<std::vector<model::NamespaceId>> stored = (*s)->namespaces();
  if (!stored) return fail("ns list", stored.status());
  for (const model::NamespaceId& id : *stored) {
    if (!n->aliases().name_of(uri::IdKind::kNamespace, id)) rows.emplace_back("", id);
  }
  for (const auto& [name, id] : rows) {
    const bool secret = !name.empty() && n->keys().has(node::KeyKind::kNamespace, name);
    Result<store::RangeSummary> sum =
        (*s)->summarise(id, model::area_to_range(model::Area::full()));
    if (!sum) return fail("ns list", sum.status());
    const bool communal = model::is_communal(id);
    const std::string signed_id = (communal ? "+" : "-") + to_hex(id);
    if (o.flags.json) {
      print_json_line(Json{{"name", name.empty() ? Json(nullptr) : Json(name)},
                           {"id", signed_id},
                           {"communal", communal},
                           {"secret", secret},
                           {"entries", sum->count},
                           {"payload_bytes", sum->payload_bytes}});
    } else {
      fmt::print("{:<16} {}  {:<8} {:>6} entr{}  {:>10}{}\n", name.empty() ? "(no alias)" : name,
                 signed_id, communal ? "communal" : "owned", sum->count,
                 sum->count == 1 ? "y  " : "ies", size_text(sum->payload_bytes),
                 secret ? "  secret key held" : "");
    }
  }
}

void run_forget(const NsOptions& o) {
  auto n = open_node("ns forget", o.flags);
  if (!n) return;
  Result<model::NamespaceId> id = n->aliases().namespace_id(o.name);
  if (!id) return fail("ns forget", id.status());
  Result<store::Store*> s = n->store();
  if (!s) return fail("ns forget", s.status());
  Result<std::uint64_t> forgot = (*s)->forget_namespace(*id);
  if (!forgot) return fail("ns forget", forgot.status());
  if (o.flags.json) {
    print_json_line(Json{{"namespace", to_hex(*id)}, {"forgotten", *forgot}});
  } else {
    fmt::print(
        "forgot {} entr{} of namespace {} (locally only; its name, keys and capabilities stay)\n",
        *forgot, *forgot == 1 ? "y" : "ies", o.name);
  }
}

// Forgets a namespace's name, and its secret key if held. Its entries stay (`ns forget` drops
// them): they are listed by id afterwards.
void run_rm(const NsOptions& o) {
  auto n = open_node("ns rm", o.flags);
  if (!n) return;
  if (!n->aliases().find(uri::IdKind::kNamespace, o.name)) {
    return fail("ns rm", error(ErrorCode::kNotFound, "no namespace named '" + o.name + "'"));
  }
  const bool secret = n->keys().has(node::KeyKind::kNamespace, o.name);
  const std::string question =
      secret ? "delete the name of namespace " + o.name + " and its SECRET KEY (no copy is kept)"
             : "forget the name of namespace " + o.name + " (its entries stay)";
  if (const Status st = confirm_or_yes(question, o.yes); !st) return fail("ns rm", st);
  const Status st = n->update_names([&](node::Aliases& a) -> Status {
    if (!a.remove(uri::IdKind::kNamespace, o.name)) {
      return error(ErrorCode::kNotFound, "no namespace named '" + o.name + "'");
    }
    return n->keys().has(node::KeyKind::kNamespace, o.name)
               ? n->keys().remove(node::KeyKind::kNamespace, o.name)
               : Status::ok();
  });
  if (!st) return fail("ns rm", st);
  if (o.flags.json)
    return print_json_line(Json{{"name", o.name}, {"removed", true}, {"secret_removed", secret}});
  fmt::print("removed the name {}{}\n", o.name, secret ? " and the namespace's secret key" : "");
}

}  // namespace

void register_ns_commands(CLI::App& app) {
  CLI::App* ns = app.add_subcommand("ns", "Namespaces: create, name, list, forget");
  ns->require_subcommand(1);

  auto nw = std::make_shared<NsOptions>();
  CLI::App* c =
      ns->add_subcommand("new", "Create a namespace named NAME (owned: keeps its secret key)");
  c->add_option("name", nw->name, "Its alias")->required();
  c->add_flag("--communal", nw->communal,
              "A communal namespace: everyone writes in their own subspace");
  c->add_flag("--owned", nw->owned,
              "An owned namespace: its key holder grants access with capabilities");
  add_node_flags(c, nw->flags);
  c->callback([nw] { run_new(*nw); });

  auto ls = std::make_shared<NsOptions>();
  c = ns->add_subcommand("list", "List known namespaces with their entry counts");
  add_node_flags(c, ls->flags);
  c->callback([ls] { run_list(*ls); });

  auto add = std::make_shared<NsOptions>();
  c = ns->add_subcommand("add", "Name someone else's namespace (its id only)");
  c->add_option("name", add->name, "Its alias")->required();
  c->add_option("id", add->id, "The namespace id (64 hex digits, optionally after '+' or '-')")
      ->required();
  add_node_flags(c, add->flags);
  c->callback([add] { run_add(*add); });

  auto fg = std::make_shared<NsOptions>();
  c = ns->add_subcommand(
      "forget", "Forget every local entry and payload of a namespace (not a Willow delete)");
  c->add_option("name", fg->name, "The namespace (alias or id)")->required();
  add_node_flags(c, fg->flags);
  c->callback([fg] { run_forget(*fg); });

  auto rm = std::make_shared<NsOptions>();
  c = ns->add_subcommand(
      "rm", "Forget a namespace's name (and its secret key if held; asks first); entries stay");
  c->add_option("name", rm->name, "Its alias")->required();
  c->add_flag("-y,--yes", rm->yes, "Do not ask for confirmation");
  add_node_flags(c, rm->flags);
  c->callback([rm] { run_rm(*rm); });
}

}  // namespace osier::cli
