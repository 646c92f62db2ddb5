// osier cap new|delegate|show|list|import|export: Meadowcap capabilities held by this node.
#include <fmt/core.h>

#include <cstdio>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "osier/base/hex.hpp"
#include "osier/json/meadowcap.hpp"
#include "osier/node/new_capability.hpp"

namespace osier::cli {
namespace {

struct CapOptions {
  NodeFlags flags;
  std::string cap;  // id, id prefix or text
  std::string ns;
  std::string mode;
  std::string as;
  std::string to;
  std::string area;
  bool yes = false;
};

Result<meadowcap::AccessMode> parse_mode(const std::string& mode) {
  if (mode == "read") return meadowcap::AccessMode::kRead;
  if (mode == "write") return meadowcap::AccessMode::kWrite;
  return error(ErrorCode::kInvalidArgument, "--mode is read or write, not '" + mode + "'");
}

// Prints a held capability (id and text).
void print_cap(const char* command, const LocalNode& n, const std::string& id,
               const meadowcap::McCapability& cap, bool json) {
  Result<std::string> text = node::capability_to_text(cap);
  if (!text) return fail(command, text.status());
  if (json) {
    print_json_line(Json{{"id", id}, {"text", *text}, {"capability", to_json(cap)}});
  } else {
    fmt::print("capability {} ({} {}, for {}):\n{}\n", id, cap.is_communal() ? "communal" : "owned",
               meadowcap::access_mode_name(cap.access_mode()),
               id_text(n, uri::IdKind::kSubspace, cap.receiver()), *text);
  }
}

// Keeps `cap` and prints it.
void keep_and_print(const char* command, const LocalNode& n, const meadowcap::McCapability& cap,
                    bool json) {
  Result<std::string> id = n.caps().add(cap);
  if (!id) return fail(command, id.status());
  print_cap(command, n, *id, cap, json);
}

void run_new(const CapOptions& o) {
  auto n = open_node("cap new", o.flags);
  if (!n) return;
  Result<meadowcap::AccessMode> mode = parse_mode(o.mode);
  if (!mode) return fail("cap new", mode.status(), 2);
  Result<node::NewCapability> made = node::new_capability(n->home(), o.ns, o.as, *mode);
  if (!made) return fail("cap new", made.status());
  print_cap("cap new", *n, made->id, made->cap, o.flags.json);
}

void run_delegate(const CapOptions& o) {
  auto n = open_node("cap delegate", o.flags);
  if (!n) return;
  Result<node::HeldCapability> held = n->caps().find(o.cap);
  if (!held) return fail("cap delegate", held.status());
  const meadowcap::McCapability& cap = held->cap;
  // A delegation keeps the capability's mode: --mode is only a check, when given.
  Result<meadowcap::AccessMode> mode =
      o.mode.empty() ? Result<meadowcap::AccessMode>(cap.access_mode()) : parse_mode(o.mode);
  if (!mode) return fail("cap delegate", mode.status(), 2);
  if (*mode != cap.access_mode()) {
    return fail("cap delegate", error(ErrorCode::kInvalidArgument,
                                      std::string("wrong mode: capability ") + held->id + " is a " +
                                          meadowcap::access_mode_name(cap.access_mode()) +
                                          " capability; a delegation keeps the mode"));
  }
  Result<model::SubspaceId> to = n->aliases().identity(o.to);
  if (!to) return fail("cap delegate", to.status());
  model::Area area = cap.granted_area();
  if (!o.area.empty()) {
    Result<uri::AreaUri> a = uri::parse_area_uri(o.area, n->aliases().resolver());
    if (!a)
      return fail("cap delegate", error(a.status().code(), "--area: " + a.status().message()));
    if (a->namespace_id != cap.granted_namespace()) {
      return fail("cap delegate", error(ErrorCode::kInvalidArgument,
                                        "--area names another namespace than the capability's"));
    }
    // A capability grants an area; an area of interest's count and size limits have no
    // meaning there, and dropping them silently would grant more than asked for.
    const model::AreaOfInterest aoi = uri::area_of_interest(*a);
    if (aoi.max_count != model::AreaOfInterest::kNoLimit ||
        aoi.max_size != model::AreaOfInterest::kNoLimit) {
      return fail("cap delegate",
                  error(ErrorCode::kInvalidArgument,
                        "--area: a capability grants an area; count= and size= do not apply"));
    }
    area = aoi.area;
  }
  const std::optional<std::string> receiver =
      n->aliases().name_of(uri::IdKind::kSubspace, cap.receiver());
  if (!receiver) {
    return fail("cap delegate",
                error(ErrorCode::kNotFound, "missing key: the capability's receiver " +
                                                to_hex(cap.receiver()) +
                                                " is not an identity of this node"));
  }
  Result<node::Identity> me = n->identity(*receiver);
  if (!me) return fail("cap delegate", me.status());
  Result<meadowcap::McCapability> d = cap.delegate(me->key, area, *to);
  if (!d) return fail("cap delegate", d.status());
  keep_and_print("cap delegate", *n, *d, o.flags.json);
}

void show(const LocalNode& n, const node::HeldCapability& h, bool json) {
  const meadowcap::McCapability& c = h.cap;
  if (json) {
    Result<std::string> text = node::capability_to_text(c);
    print_json_line(
        Json{{"id", h.id}, {"text", text ? *text : std::string()}, {"capability", to_json(c)}});
    return;
  }
  fmt::print("capability {}\n", h.id);
  fmt::print("  kind:        {} {}\n", c.is_communal() ? "communal" : "owned",
             meadowcap::access_mode_name(c.access_mode()));
  fmt::print("  namespace:   {}\n", id_text(n, uri::IdKind::kNamespace, c.granted_namespace()));
  fmt::print("  receiver:    {}\n", id_text(n, uri::IdKind::kSubspace, c.receiver()));
  fmt::print("  progenitor:  {}\n", id_text(n, uri::IdKind::kSubspace, c.progenitor()));
  fmt::print("  area:        {}\n", area_text(n, c.granted_area()));
  fmt::print("  delegations: {}\n", c.delegation_count());
}

void run_show(const CapOptions& o) {
  auto n = open_node("cap show", o.flags);
  if (!n) return;
  Result<node::HeldCapability> held = n->caps().find(o.cap);
  if (!held) return fail("cap show", held.status());
  show(*n, *held, o.flags.json);
}

void run_list(const CapOptions& o) {
  auto n = open_node("cap list", o.flags);
  if (!n) return;
  Result<std::vector<node::HeldCapability>> held = n->caps().list();
  if (!held) return fail("cap list", held.status());
  for (const node::HeldCapability& h : *held) {
    if (o.flags.json) {
      show(*n, h, true);
    } else {
      fmt::print("{}  {:<8} {:<5}  ns {}  for {}  {}\n", h.id,
                 h.cap.is_communal() ? "communal" : "owned",
                 meadowcap::access_mode_name(h.cap.access_mode()),
                 id_text(*n, uri::IdKind::kNamespace, h.cap.granted_namespace()),
                 id_text(*n, uri::IdKind::kSubspace, h.cap.receiver()),
                 area_text(*n, h.cap.granted_area()));
    }
  }
}

void run_import(const CapOptions& o) {
  auto n = open_node("cap import", o.flags);
  if (!n) return;
  std::string text = o.cap;
  if (text.empty() || text == "-") {
    text.clear();
    char buf[4096];
    for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, stdin)) > 0;) {
      text.append(buf, got);
      if (text.size() > (2 << 20))
        return fail("cap import", error(ErrorCode::kOutOfRange, "capability text too long"));
    }
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return fail("cap import", error(ErrorCode::kInvalidArgument,
                                    "no capability given (as an argument or on standard input)"));
  }
  Result<meadowcap::McCapability> cap = node::capability_from_text(text);
  if (!cap) return fail("cap import", cap.status());
  keep_and_print("cap import", *n, *cap, o.flags.json);
}

void run_export(const CapOptions& o) {
  auto n = open_node("cap export", o.flags);
  if (!n) return;
  Result<node::HeldCapability> held = n->caps().find(o.cap);
  if (!held) return fail("cap export", held.status());
  Result<std::string> text = node::capability_to_text(held->cap);
  if (!text) return fail("cap export", text.status());
  fmt::print("{}\n", *text);
}

void run_rm(const CapOptions& o) {
  auto n = open_node("cap rm", o.flags);
  if (!n) return;
  Result<node::HeldCapability> held = n->caps().find(o.cap);
  if (!held) return fail("cap rm", held.status());
  if (const Status st = confirm_or_yes("delete held capability " + held->id, o.yes); !st)
    return fail("cap rm", st);
  if (const Status st = n->caps().remove(held->id); !st) return fail("cap rm", st);
  if (o.flags.json) return print_json_line(Json{{"id", held->id}, {"removed", true}});
  fmt::print("removed capability {}\n", held->id);
}

}  // namespace

void register_cap_commands(CLI::App& app) {
  CLI::App* cap = app.add_subcommand("cap", "Meadowcap capabilities held by this node");
  cap->require_subcommand(1);

  auto nw = std::make_shared<CapOptions>();
  CLI::App* c =
      cap->add_subcommand("new", "Create a capability (owned namespace: needs its secret key)");
  c->add_option("--ns", nw->ns, "The namespace (alias or id)")->required();
  c->add_option("--mode", nw->mode, "read or write")->required();
  c->add_option("--as", nw->as, "The receiver (alias or id; default: this node's only identity)");
  add_node_flags(c, nw->flags);
  c->callback([nw] { run_new(*nw); });

  auto dg = std::make_shared<CapOptions>();
  c = cap->add_subcommand(
      "delegate", "Delegate a held capability (its receiver's key signs) to another identity");
  c->add_option("cap", dg->cap, "The capability: its id (or 4+ leading digits) or its text")
      ->required();
  c->add_option("--to", dg->to, "The new receiver (alias or id)")->required();
  c->add_option("--area", dg->area,
                "An Area URI within the capability's area (default: all of it)");
  c->add_option("--mode", dg->mode, "read or write: must be the capability's mode (default: it)");
  add_node_flags(c, dg->flags);
  c->callback([dg] { run_delegate(*dg); });

  auto rm = std::make_shared<CapOptions>();
  c = cap->add_subcommand("rm", "Delete a held capability (asks first)");
  c->add_option("cap", rm->cap, "Its id (or 4+ leading digits)")->required();
  c->add_flag("-y,--yes", rm->yes, "Do not ask for confirmation");
  add_node_flags(c, rm->flags);
  c->callback([rm] { run_rm(*rm); });

  auto sh = std::make_shared<CapOptions>();
  c = cap->add_subcommand("show", "Show a capability's fields");
  c->add_option("cap", sh->cap, "The capability: its id (or 4+ leading digits) or its text")
      ->required();
  add_node_flags(c, sh->flags);
  c->callback([sh] { run_show(*sh); });

  auto ls = std::make_shared<CapOptions>();
  c = cap->add_subcommand("list", "List held capabilities");
  add_node_flags(c, ls->flags);
  c->callback([ls] { run_list(*ls); });

  auto im = std::make_shared<CapOptions>();
  c = cap->add_subcommand("import",
                          "Keep a capability given as text (argument, or standard input)");
  c->add_option("text", im->cap,
                "The capability's text (hex of its canonic encoding); '-' or none: stdin");
  add_node_flags(c, im->flags);
  c->callback([im] { run_import(*im); });

  auto ex = std::make_shared<CapOptions>();
  c = cap->add_subcommand("export",
                          "Print a held capability as text (hex of its canonic encoding)");
  c->add_option("cap", ex->cap, "The capability's id (or 4+ leading digits)")->required();
  add_node_flags(c, ex->flags, false);
  c->callback([ex] { run_export(*ex); });
}

}  // namespace osier::cli
