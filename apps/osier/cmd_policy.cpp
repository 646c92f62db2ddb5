// osier policy set|show: download policies per namespace (osier/node/policies.hpp; docs/cli.md).
// The daemon reads them at the start of each session.
#include <fmt/core.h>

#include <optional>
#include <string>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "net_text.hpp"
#include "osier/base/hex.hpp"
#include "osier/node/policies.hpp"

namespace osier::cli {
namespace {

struct PolicyOptions {
  NodeFlags flags;
  std::string ns;
  std::string policy;
  std::optional<std::string> max_size;
};

std::string policy_text(const node::NamespacePolicy& p) {
  std::string s = node::policy_name(p.payloads);
  if (p.max_size) s += " up to " + std::to_string(*p.max_size) + " B";
  return s;
}

Json policy_json(const LocalNode& n, const model::NamespaceId& ns, const node::NamespacePolicy& p) {
  const std::optional<std::string> name = n.aliases().name_of(uri::IdKind::kNamespace, ns);
  return Json{{"namespace", to_hex(ns)},
              {"name", name ? Json(*name) : Json(nullptr)},
              {"payloads", node::policy_name(p.payloads)},
              {"max_size", p.max_size ? Json(*p.max_size) : Json(nullptr)}};
}

void run_set(const PolicyOptions& o) {
  auto n = open_node("policy set", o.flags);
  if (!n) return;
  Result<model::NamespaceId> ns = n->aliases().namespace_id(o.ns);
  if (!ns) return fail("policy set", ns.status(), 2);
  Result<node::PayloadPolicy> p = node::parse_policy(o.policy);
  if (!p) return fail("policy set", p.status(), 2);
  node::NamespacePolicy np;
  np.payloads = *p;
  if (o.max_size) {
    Result<std::uint64_t> size = parse_size(*o.max_size, "--max-size");
    if (!size) return fail("policy set", size.status(), 2);
    np.max_size = *size;
  }
  if (const Status st = node::set_policy(n->home().paths(), *ns, np); !st) {
    return fail("policy set", st, st.code() == ErrorCode::kInvalidArgument ? 2 : 1);
  }
  if (o.flags.json) {
    print_json_line(policy_json(*n, *ns, np));
  } else {
    fmt::print("{}: {}\n", o.ns, policy_text(np));
  }
}

void run_show(const PolicyOptions& o) {
  auto n = open_node("policy show", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<node::Policies> all = node::load_policies(n->home().paths());
  if (!all) return fail("policy show", all.status());
  if (!o.ns.empty()) {
    Result<model::NamespaceId> ns = n->aliases().namespace_id(o.ns);
    if (!ns) return fail("policy show", ns.status(), 2);
    const node::NamespacePolicy p = node::policy_of(*all, *ns);
    if (o.flags.json) return print_json_line(policy_json(*n, *ns, p));
    fmt::print("{}: {}\n", o.ns, policy_text(p));
    return;
  }
  for (const auto& [ns, p] : *all) {
    if (o.flags.json) {
      print_json_line(policy_json(*n, ns, p));
    } else {
      const std::optional<std::string> name = n->aliases().name_of(uri::IdKind::kNamespace, ns);
      fmt::print("{}: {}\n", name ? *name : to_hex(ns), policy_text(p));
    }
  }
  if (!o.flags.json) fmt::print("(every other namespace: eager)\n");
}

}  // namespace

void register_policy(CLI::App& app) {
  CLI::App* policy = app.add_subcommand("policy", "Download policies: which payloads to fetch");
  policy->require_subcommand(1);
  auto so = std::make_shared<PolicyOptions>();
  CLI::App* c = policy->add_subcommand("set", "Set a namespace's policy: eager, lazy or none");
  c->add_option("namespace", so->ns, "The namespace (alias or id)")->required();
  c->add_option("policy", so->policy,
                "eager (payloads come with their entries), lazy (on `osier get`), none")
      ->required();
  c->add_option("--max-size", so->max_size, "eager: only payloads up to this size (64KiB, 1MiB)");
  add_node_flags(c, so->flags);
  c->callback([so] { run_set(*so); });
  auto sh = std::make_shared<PolicyOptions>();
  c = policy->add_subcommand("show", "Show the policies (of one namespace, or all set)");
  c->add_option("namespace", sh->ns, "The namespace (alias or id)");
  add_node_flags(c, sh->flags);
  c->callback([sh] { run_show(*sh); });
}

}  // namespace osier::cli
