// osier put|get|cat|ls|stat|rm: entries and payloads of the local store.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "daemon_client.hpp"
#include "osier/base/hex.hpp"
#include "osier/base/io_error.hpp"
#include "osier/json/meadowcap.hpp"
#include "osier/node/area_target.hpp"
#include "osier/store/authoriser.hpp"
#include "output_file.hpp"

namespace osier::cli {
namespace {

struct DataOptions {
  NodeFlags flags;
  std::string uri;
  std::string file;
  std::string output;
  std::string as;
  std::optional<std::uint64_t> time;
  std::uint64_t limit = UINT64_MAX;
  bool newest = false;
  bool yes = false;
  bool force = false;
  bool empty = false;  // put: an empty standard input is meant
};

Result<uri::EntryUri> entry_uri(const LocalNode& n, const std::string& text) {
  Result<uri::EntryUri> u = uri::parse_entry_uri(text, n.aliases().resolver());
  if (!u)
    return error(u.status().code(), "bad entry URI '" + shown(text) + "': " + u.status().message());
  return u;
}

std::optional<std::string> as_option(const DataOptions& o) {
  return o.as.empty() ? std::nullopt : std::optional<std::string>(o.as);
}

Json entry_json(const LocalNode& n, const store::LengthyAuthorisedEntry& e) {
  const model::Entry& x = e.authorised.entry;
  Json j = to_json(x);
  j["available"] = e.available;
  j["tombstone"] = e.authorised.entry.payload_length == 0;
  j["uri"] =
      uri::to_string(uri::EntryUri{x.namespace_id, x.subspace_id, x.path, {}, {}, {}, {}, {}});
  j["name"] = entry_text(n, x.namespace_id, x.subspace_id, x.path);
  return j;
}

void print_entry_line(const LocalNode& n, const store::LengthyAuthorisedEntry& e, bool json) {
  if (json) return print_json_line(entry_json(n, e));
  const model::Entry& x = e.authorised.entry;
  std::string held;
  if (e.available < x.payload_length) held = fmt::format("  (holds {})", size_text(e.available));
  // An empty payload is a deletion marker (it prunes what was below it), not an empty file.
  const std::string size =
      x.payload_length == 0 ? std::string("(tombstone)") : size_text(x.payload_length);
  fmt::print("{}  {:>11}  {}{}\n", time_text(x.timestamp), size,
             entry_text(n, x.namespace_id, x.subspace_id, x.path), held);
}

// A put prunes every entry below its path (spec: data_model#prefix_pruning). Writing at a path
// that is a prefix of stored entries (`willow://ns.id/..`, the empty path, `/n` over `/n/a`)
// deletes them: asked for like `rm`, unless --yes.
Status confirm_pruning(LocalNode& n, const uri::EntryUri& u, const DataOptions& o,
                       bool payload_on_stdin) {
  OSIER_ASSIGN_OR_RETURN(std::uint64_t under, n.count_under(u));
  OSIER_ASSIGN_OR_RETURN(store::Store * s, n.store());
  OSIER_ASSIGN_OR_RETURN(auto at, s->get(u.namespace_id, u.subspace_id, u.path));
  const std::uint64_t others = under - (at ? 1 : 0);
  if (others == 0 || o.yes) return Status::ok();
  const std::string what = entry_text(n, u.namespace_id, u.subspace_id, u.path);
  const std::string question = fmt::format("this put also deletes {} entr{} under {}; go on?",
                                           others, others == 1 ? "y" : "ies", what);
  if (payload_on_stdin || ::isatty(0) != 1) {
    return error(
        ErrorCode::kInvalidArgument,
        fmt::format("not written: it would delete {} entr{} under {} (pass --yes to confirm)",
                    others, others == 1 ? "y" : "ies", what));
  }
  if (!confirm(question))
    return error(ErrorCode::kInvalidArgument, "not confirmed; nothing written");
  return Status::ok();
}

void run_put(const DataOptions& o) {
  auto n = open_node("put", o.flags);
  if (!n) return;
  Result<uri::EntryUri> u = entry_uri(*n, o.uri);
  if (!u) return fail("put", u.status());
  if (o.time && *o.time > node::now_micros() + std::uint64_t{86400} * 1000000) {
    // Legal, but such an entry wins over every write at its path until that time comes.
    fmt::print(stderr, "osier put: warning: --time {} is more than a day in the future ({})\n",
               *o.time, time_text(*o.time));
  }
  const bool from_stdin = o.file.empty() || o.file == "-";
  if (const Status st = confirm_pruning(*n, *u, o, from_stdin); !st) return fail("put", st);
  if (from_stdin) {
    // An empty payload makes the entry a tombstone: never by accident of a closed or empty
    // standard input.
    if (::isatty(0) == 1)
      fmt::print(stderr,
                 "osier put: reading the payload from standard input (end it with Ctrl-D)\n");
    const int c = std::fgetc(stdin);
    if (c == EOF && !o.empty) {
      return fail(
          "put", error(ErrorCode::kInvalidArgument,
                       "standard input is empty: an empty payload would make the entry a tombstone "
                       "(pass --empty if that is what you want)"));
    }
    if (c != EOF) std::ungetc(c, stdin);
  }
  ProgressBar bar;
  node::PutOptions opts{as_option(o), o.time, bar.callback()};
  Result<node::PutResult> r = n->put(*u, o.file.empty() ? "-" : o.file, opts);
  bar.finish();
  if (!r) return fail("put", r.status());
  const model::Entry& e = r->entry.entry;
  if (o.flags.json) {
    Json j = to_json(e);
    j["uri"] = uri::to_string(*u);
    j["pruned"] = r->pruned;
    j["authorised_by"] = r->authority;
    print_json_line(j);
  } else {
    fmt::print("wrote {} ({}, digest {}, time {}) signed with {}{}\n",
               entry_text(*n, e.namespace_id, e.subspace_id, e.path), size_text(e.payload_length),
               to_hex(e.payload_digest).substr(0, 16), e.timestamp, r->authority,
               r->pruned
                   ? fmt::format("; replaced {} entr{}", r->pruned, r->pruned == 1 ? "y" : "ies")
                   : std::string());
  }
}

// Writes the payload to standard output or a file (output_file.hpp: a temporary file renamed
// on success, nothing replaced but a regular file with --force).
void run_get(const DataOptions& o, bool to_stdout) {
  const char* cmd = to_stdout ? "cat" : "get";
  auto n = open_node(cmd, o.flags, /*read_only=*/true);
  if (!n) return;
  Result<uri::EntryUri> u = entry_uri(*n, o.uri);
  if (!u) return fail(cmd, u.status());
  std::string out = to_stdout ? std::string("-") : o.output;
  if (out.empty()) {
    // The file name comes from someone else's path: no control bytes (terminal escapes, line
    // breaks), no directory tricks.
    const std::size_t c = u->path.component_count();
    const std::string last =
        c == 0 ? std::string() : std::string(as_chars(u->path.component(c - 1)));
    const bool safe =
        !last.empty() && last != "." && last != ".." && last.find('/') == std::string::npos &&
        std::none_of(last.begin(), last.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
    if (!safe) {
      return fail(cmd,
                  error(ErrorCode::kInvalidArgument,
                        "the path's last component is no safe file name: give one with -o FILE"));
    }
    out = last;
  }
  // A payload the store lacks (a lazy namespace, a transfer cut short): a running daemon fetches
  // it from a connected peer, and it streams out as its bytes are verified and stored. Without
  // a daemon, the read says what is missing.
  std::unique_ptr<DaemonFetch> fetch;
  if (Result<store::LengthyAuthorisedEntry> held = n->stat(*u);
      held && held->available < held->authorised.entry.payload_length) {
    fetch = std::make_unique<DaemonFetch>(n->home().paths(), held->authorised.entry);
    // Nothing is written before the daemon shows it is fetching (the first new bytes or its
    // answer): without one, no partial output.
    const auto held_now = [&]() -> Result<std::uint64_t> {
      OSIER_ASSIGN_OR_RETURN(const store::LengthyAuthorisedEntry e, n->stat(*u));
      return e.available;
    };
    if (const Status st = fetch->wait_until_under_way(held_now, held->available); !st) {
      return fail(cmd, st);
    }
  }
  Result<std::unique_ptr<OutputFile>> file = OutputFile::open(out, o.force);
  if (!file) return fail(cmd, file.status());
  ProgressBar bar;
  std::function<bool(std::uint64_t)> wait_for_more;
  // Without a daemon fetching, the read fails before any byte when bytes are missing.
  if (fetch && fetch->under_way()) {
    wait_for_more = [&](std::uint64_t held) { return fetch->wait_for_more(held); };
  }
  Status st = n->read(
      *u, [&](ByteView piece) { return (*file)->write(piece); },
      (*file)->to_stdout() ? node::Progress() : bar.callback(), wait_for_more);
  // The daemon's own error says more than "only N bytes are held".
  if (!st && fetch && !fetch->failure()) st = fetch->failure();
  bar.finish();
  if (st) st = (*file)->commit();
  if (!st) return fail(cmd, st);
  if ((*file)->to_stdout()) return;
  if (!o.flags.json) {
    fmt::print(stderr, "saved {}\n", out);
  } else {
    print_json_line(Json{{"file", out}});
  }
}

void run_stat(const DataOptions& o) {
  auto n = open_node("stat", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<uri::EntryUri> u = entry_uri(*n, o.uri);
  if (!u) return fail("stat", u.status());
  Result<store::LengthyAuthorisedEntry> e = n->stat(*u);
  if (!e) return fail("stat", e.status());
  Result<meadowcap::MeadowcapAuthorisationToken> token =
      store::decode_token_bytes(e->authorised.token);
  if (o.flags.json) {
    Json j = entry_json(*n, *e);
    j["token"] = token ? to_json(*token) : Json(nullptr);
    return print_json_line(j);
  }
  const model::Entry& x = e->authorised.entry;
  fmt::print("entry:      {}\n", entry_text(*n, x.namespace_id, x.subspace_id, x.path));
  fmt::print("uri:        {}\n", uri::to_string(*u));
  fmt::print("namespace:  {} ({})\n", to_hex(x.namespace_id),
             model::is_communal(x.namespace_id) ? "communal" : "owned");
  fmt::print("subspace:   {}\n", to_hex(x.subspace_id));
  fmt::print("path:       {}\n",
             x.path.component_count() ? x.path.to_string() : std::string("(empty)"));
  fmt::print("timestamp:  {} ({})\n", x.timestamp, time_text(x.timestamp));
  fmt::print("payload:    {} bytes, {} held{}\n", x.payload_length, e->available,
             x.payload_length == 0 ? " (empty: a deletion marker)" : "");
  fmt::print("digest:     {}\n", to_hex(x.payload_digest));
  if (token) {
    const meadowcap::McCapability& c = token->capability;
    fmt::print("authorised: {} {} capability for {}, {} delegation(s)\n",
               c.is_communal() ? "communal" : "owned", meadowcap::access_mode_name(c.access_mode()),
               id_text(*n, uri::IdKind::kSubspace, c.receiver()), c.delegation_count());
  }
}

// Lists the entries of one namespace's area, honouring --limit across calls.
Status list_area(const LocalNode& n, store::Store& s, const node::AreaTarget& target,
                 const DataOptions& o, std::uint64_t& left) {
  return node::query_area_target(s, target, o.newest, left,
                                 [&](const store::LengthyAuthorisedEntry& e) {
                                   if (left == 0) return false;
                                   --left;
                                   print_entry_line(n, e, o.flags.json);
                                   return left > 0;
                                 });
}

void run_ls(const DataOptions& o) {
  auto n = open_node("ls", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<store::Store*> s = n->store();
  if (!s) return fail("ls", s.status());
  std::uint64_t left = o.limit;
  std::vector<node::AreaTarget> targets;
  if (!o.uri.empty()) {
    Result<node::AreaTarget> t = node::parse_area_target(n->aliases(), o.uri);
    if (!t) return fail("ls", t.status());
    targets.push_back(*t);
  } else {
    Result<std::vector<model::NamespaceId>> all = (*s)->namespaces();
    if (!all) return fail("ls", all.status());
    for (const model::NamespaceId& ns : *all) {
      targets.emplace_back();  // all of the namespace
      targets.back().namespace_id = ns;
    }
  }
  for (const node::AreaTarget& t : targets) {
    if (left == 0) break;
    if (const Status st = list_area(*n, **s, t, o, left); !st) return fail("ls", st);
  }
}

void run_rm(const DataOptions& o) {
  auto n = open_node("rm", o.flags);
  if (!n) return;
  Result<uri::EntryUri> u = entry_uri(*n, o.uri);
  if (!u) return fail("rm", u.status());
  Result<std::uint64_t> count = n->count_under(*u);
  if (!count) return fail("rm", count.status());

  // Ask for the capability before asking the user: a refusal should come first.
  Result<model::Entry> probe = n->deletion_entry(*u);
  if (!probe) return fail("rm", probe.status());
  if (Result<node::WriteAuthority> auth = n->write_authority(*probe, as_option(o)); !auth)
    return fail("rm", auth.status());
  if (*count == 0 && !o.force) {
    // A tombstone over nothing would only stand in the way of later writes there.
    const std::string what = entry_text(*n, u->namespace_id, u->subspace_id, u->path);
    if (o.flags.json) return print_json_line(Json{{"pruned", 0}, {"written", false}});
    fmt::print("nothing to delete at or under {} (--force writes a tombstone anyway)\n", what);
    return;
  }
  const std::string what = entry_text(*n, u->namespace_id, u->subspace_id, u->path);
  const std::string question =
      fmt::format("delete {} entr{} at and under {}?", *count, *count == 1 ? "y" : "ies", what);
  if (!o.yes) {
    if (::isatty(0) != 1) {
      return fail("rm", error(ErrorCode::kInvalidArgument,
                              "would " + question.substr(0, question.size() - 1) +
                                  " — standard input is not a terminal, so pass --yes to confirm"));
    }
    if (!confirm(question))
      return fail("rm", error(ErrorCode::kInvalidArgument, "not confirmed; nothing deleted"));
  }
  Result<node::PutResult> r = n->remove(*u, as_option(o));
  if (!r) return fail("rm", r.status());
  if (o.flags.json) {
    Json j = to_json(r->entry.entry);
    j["pruned"] = r->pruned;
    j["written"] = true;
    return print_json_line(j);
  }
  fmt::print(
      "deleted {} entr{} under {} (a tombstone entry with an empty payload now prunes them)\n",
      r->pruned, r->pruned == 1 ? "y" : "ies", what);
}

CLI::App* data_command(CLI::App& app, const char* name, const char* help, DataOptions& o,
                       bool json = true) {
  CLI::App* c = app.add_subcommand(name, help);
  add_node_flags(c, o.flags, json);
  return c;
}

}  // namespace

void register_data_commands(CLI::App& app) {
  auto put = std::make_shared<DataOptions>();
  CLI::App* c = data_command(
      app, "put", "Write an entry with a payload from FILE (or '-' / none: stdin)", *put);
  c->add_option("uri", put->uri, "The entry URI, e.g. willow://NS.ID/path (aliases allowed)")
      ->required();
  c->add_option("file", put->file, "The payload file; '-' or none reads standard input");
  c->add_option("--as", put->as, "Sign as this identity (default: whichever holds a capability)");
  c->add_option("--time", put->time,
                "Timestamp in microseconds (default: now, later than what it replaces)")
      ->check(decimal_u64());
  c->add_flag("-y,--yes", put->yes, "Do not ask before deleting the entries below the path");
  c->add_flag("--empty", put->empty,
              "Allow an empty standard input (an empty payload: a tombstone)");
  c->callback([put] { run_put(*put); });

  auto get = std::make_shared<DataOptions>();
  c = data_command(app, "get", "Save an entry's payload to a file", *get);
  c->add_option("uri", get->uri, "The entry URI (a payload slice ?from=&to= is honoured)")
      ->required();
  c->add_option("-o,--output", get->output,
                "The file to write ('-': stdout; default: the path's last component)");
  c->add_flag("--force", get->force, "Replace an existing regular file");
  c->callback([get] { run_get(*get, false); });

  auto cat = std::make_shared<DataOptions>();
  c = data_command(app, "cat", "Write an entry's payload to standard output", *cat, false);
  c->add_option("uri", cat->uri, "The entry URI")->required();
  c->callback([cat] { run_get(*cat, true); });

  auto ls = std::make_shared<DataOptions>();
  c = data_command(app, "ls", "List entries (of an area URI, a namespace, or everything)", *ls);
  c->add_option("area", ls->uri,
                "An Area URI, a namespace (alias or id), or none for every namespace");
  c->add_option("--limit", ls->limit, "At most N entries (at least 1; none: no limit)")
      ->check(decimal_u64())
      ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX));
  c->add_flag("--newest", ls->newest,
              "Newest first, within each namespace in turn (--limit counts across them)");
  c->callback([ls] { run_ls(*ls); });

  auto st = std::make_shared<DataOptions>();
  c = data_command(app, "stat", "Show an entry's metadata, held payload bytes and authorisation",
                   *st);
  c->add_option("uri", st->uri, "The entry URI")->required();
  c->callback([st] { run_stat(*st); });

  auto rm = std::make_shared<DataOptions>();
  c = data_command(app, "rm", "Delete (Willow-style) an entry and every entry under its path", *rm);
  c->add_option("uri", rm->uri, "The entry URI")->required();
  c->add_option("--as", rm->as, "Sign as this identity");
  c->add_flag("-y,--yes", rm->yes, "Do not ask for confirmation");
  c->add_flag("--force", rm->force, "Write the tombstone even when nothing is stored there");
  c->callback([rm] { run_rm(*rm); });
}

}  // namespace osier::cli
