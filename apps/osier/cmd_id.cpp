// osier id new|list|export|import|add: identities (subspace key pairs) and their aliases.
#include <fmt/core.h>

#include <cstdio>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "osier/base/hex.hpp"
#include "osier/node/names.hpp"

namespace osier::cli {
namespace {

struct IdOptions {
  NodeFlags flags;
  std::string name;
  std::string id;
  bool yes = false;
};

// Adds NAME for `key`'s identity: alias and keystore file, or nothing on failure
// (osier/node/names.hpp).
void keep_identity(const char* command, LocalNode& n, const std::string& name,
                   const crypto::Ed25519SecretKey& key, bool json) {
  Result<node::KeptIdentity> kept = node::keep_identity(n.home(), name, key);
  if (!kept) return fail(command, kept.status());
  if (json) {
    print_json_line(Json{{"name", name}, {"id", to_hex(kept->id)}, {"secret", true}});
  } else {
    fmt::print("identity {}: {}{}\n", name, to_hex(kept->id),
               kept->upgraded ? " (its secret key is held now)" : "");
  }
}

void run_new(const IdOptions& o) {
  auto n = open_node("id new", o.flags);
  if (!n) return;
  keep_identity("id new", *n, o.name, crypto::Ed25519SecretKey::generate(), o.flags.json);
}

void run_import(const IdOptions& o) {
  auto n = open_node("id import", o.flags);
  if (!n) return;
  char line[256] = {};
  const bool got = std::fgets(line, sizeof line, stdin) != nullptr;
  std::string_view text = got ? std::string_view(line) : std::string_view();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  crypto::Ed25519Seed seed{};
  const bool ok = node::seed_from_hex(text, seed);
  crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(line), sizeof line));
  if (!ok) {
    return fail("id import", error(ErrorCode::kInvalidArgument,
                                   "expected the 32-byte seed as 64 hex digits on standard input"));
  }
  crypto::Ed25519SecretKey key = crypto::Ed25519SecretKey::from_seed(seed);
  crypto::wipe(seed);
  keep_identity("id import", *n, o.name, key, o.flags.json);
}

void run_add(const IdOptions& o) {
  auto n = open_node("id add", o.flags);
  if (!n) return;
  const std::optional<ByteArray<32>> id = array_from_hex<32>(o.id);
  if (!id)
    return fail("id add", error(ErrorCode::kInvalidArgument,
                                "an identity id is 64 hex digits, not '" + o.id + "'"));
  if (const Status st = n->update_names(
          [&](node::Aliases& a) { return a.add(uri::IdKind::kSubspace, o.name, *id); });
      !st) {
    return fail("id add", st);
  }
  if (o.flags.json) {
    print_json_line(Json{{"name", o.name}, {"id", to_hex(*id)}});
  } else {
    fmt::print("identity {}: {} (id only, no secret key)\n", o.name, to_hex(*id));
  }
}

void run_list(const IdOptions& o) {
  auto n = open_node("id list", o.flags, /*read_only=*/true);
  if (!n) return;
  for (const auto& [name, id] : n->aliases().identities()) {
    const bool secret = n->keys().has(node::KeyKind::kIdentity, name);
    if (o.flags.json) {
      print_json_line(Json{{"name", name}, {"id", to_hex(id)}, {"secret", secret}});
    } else {
      fmt::print("{:<16} {}  {}\n", name, to_hex(id), secret ? "secret key held" : "id only");
    }
  }
}

void run_export(const IdOptions& o) {
  auto n = open_node("id export", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<node::Identity> id = n->identity(o.name);
  if (!id) return fail("id export", id.status());
  crypto::Ed25519Seed seed = id->key.expose_seed();
  std::string hex = to_hex(seed);
  fmt::print("{}\n", hex);
  std::fflush(stdout);
  crypto::wipe(seed);
  crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(hex.data()), hex.size()));
}

// Forgets an identity's name, and its secret key if held (which cannot be undone: no copy is
// kept). Entries it signed stay.
void run_rm(const IdOptions& o) {
  auto n = open_node("id rm", o.flags);
  if (!n) return;
  if (!n->aliases().find(uri::IdKind::kSubspace, o.name)) {
    return fail("id rm", error(ErrorCode::kNotFound, "no identity named '" + o.name + "'"));
  }
  const bool secret = n->keys().has(node::KeyKind::kIdentity, o.name);
  const std::string question = secret
                                   ? "delete identity " + o.name +
                                         " and its SECRET KEY (no copy is kept: `osier id export " +
                                         o.name + "` saves one first)"
                                   : "forget the name of identity " + o.name;
  if (const Status st = confirm_or_yes(question, o.yes); !st) return fail("id rm", st);
  const Status st = n->update_names([&](node::Aliases& a) -> Status {
    if (!a.remove(uri::IdKind::kSubspace, o.name)) {
      return error(ErrorCode::kNotFound, "no identity named '" + o.name + "'");
    }
    return n->keys().has(node::KeyKind::kIdentity, o.name)
               ? n->keys().remove(node::KeyKind::kIdentity, o.name)
               : Status::ok();
  });
  if (!st) return fail("id rm", st);
  if (o.flags.json)
    return print_json_line(Json{{"name", o.name}, {"removed", true}, {"secret_removed", secret}});
  fmt::print("removed identity {}{}\n", o.name, secret ? " and its secret key" : "");
}

}  // namespace

void register_id_commands(CLI::App& app) {
  CLI::App* id =
      app.add_subcommand("id", "Identities: key pairs whose public keys are subspace ids");
  id->require_subcommand(1);

  auto nw = std::make_shared<IdOptions>();
  CLI::App* c =
      id->add_subcommand("new", "Create an identity (a fresh Ed25519 key pair) named NAME");
  c->add_option("name", nw->name, "Its alias")->required();
  add_node_flags(c, nw->flags);
  c->callback([nw] { run_new(*nw); });

  auto ls = std::make_shared<IdOptions>();
  c = id->add_subcommand("list", "List identities: alias, id, whether the secret key is held");
  add_node_flags(c, ls->flags);
  c->callback([ls] { run_list(*ls); });

  auto ex = std::make_shared<IdOptions>();
  c = id->add_subcommand("export",
                         "Print an identity's SECRET seed (64 hex digits); keep it secret");
  c->add_option("name", ex->name, "The identity's alias")->required();
  add_node_flags(c, ex->flags, false);
  c->callback([ex] { run_export(*ex); });

  auto im = std::make_shared<IdOptions>();
  c = id->add_subcommand("import",
                         "Add an identity from its secret seed (64 hex digits on standard input)");
  c->add_option("name", im->name, "Its alias")->required();
  add_node_flags(c, im->flags);
  c->callback([im] { run_import(*im); });

  auto add = std::make_shared<IdOptions>();
  c = id->add_subcommand("add",
                         "Name someone else's identity (its id only), e.g. to delegate to it");
  c->add_option("name", add->name, "Its alias")->required();
  c->add_option("id", add->id, "The identity's id (64 hex digits)")->required();
  add_node_flags(c, add->flags);
  c->callback([add] { run_add(*add); });

  auto rm = std::make_shared<IdOptions>();
  c = id->add_subcommand("rm",
                         "Forget an identity: its name, and its secret key if held (asks first)");
  c->add_option("name", rm->name, "Its alias")->required();
  c->add_flag("-y,--yes", rm->yes, "Do not ask for confirmation");
  add_node_flags(c, rm->flags);
  c->callback([rm] { run_rm(*rm); });
}

}  // namespace osier::cli
