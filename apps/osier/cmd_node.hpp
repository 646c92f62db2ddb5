// What the local-node commands (init, id, ns, cap, put/get/cat/ls/stat/rm, store) share: the
// --home and --json flags, opening the node, one-line errors, names for ids, progress bars.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "osier/base/status.hpp"
#include "osier/json/meadowcap.hpp"
#include "osier/json/model.hpp"
#include "osier/node/node.hpp"

namespace osier::cli {

// The JSON forms (src/json/) every command prints.
using json::from_json;
using json::Json;
using json::to_json;

struct NodeFlags {
  std::string home;
  bool json = false;
};

// For every numeric option: decimal digits only — no sign, no "0x", not empty, at most 2^64-1
// (CLI11 alone turns "-1" into 2^64-1 and clamps what overflows).
const CLI::Validator& decimal_u64();

// Adds --home (and, with `json`, --json) to `cmd`.
void add_node_flags(CLI::App* cmd, NodeFlags& flags, bool json = true);

// User or peer text as it may be echoed in a message: control bytes (terminal escapes, line
// breaks) as \xNN, and at most `max` bytes (then "…").
std::string shown(std::string_view text, std::size_t max = 200);

// Prints "osier <command>: <message>" on stderr and sets the exit code (1 unless given).
void fail(const std::string& command, const Status& status, int code = 1);

// What a command opens: the home (node::Home), and on first use its store and the node::Node
// over both — commands that only touch names and keys never open the store. One command, one
// thread: aliases() is the table as of the last call, valid until the next one.
class LocalNode {
 public:
  LocalNode(std::unique_ptr<node::Home> home, bool read_only)
      : home_(std::move(home)), read_only_(read_only) {}

  const node::Home& home() const { return *home_; }
  node::Home& home() { return *home_; }
  const node::HomePaths& paths() const { return home_->paths(); }
  const node::Aliases& aliases() const;
  const node::Keystore& keys() const { return home_->keys(); }
  const node::CapabilityStore& caps() const { return home_->caps(); }
  Status update_names(const std::function<Status(node::Aliases&)>& change) {
    return home_->update_names(change);
  }
  Result<node::Identity> identity(std::string_view name_or_id) const {
    return home_->identity(name_or_id);
  }
  Result<node::Identity> sync_identity(const std::optional<std::string>& as) const {
    return home_->sync_identity(as);
  }
  std::optional<crypto::Ed25519SecretKey> namespace_secret(const model::NamespaceId& ns) const {
    return home_->namespace_secret(ns);
  }
  Result<node::WriteAuthority> write_authority(const model::Entry& entry,
                                               const std::optional<std::string>& as) const {
    return home_->write_authority(entry, as);
  }

  // The home's store, opened on the first call (read-only for a read-only command).
  Result<store::Store*> store();
  // The node over the home and the store (opens the store).
  Result<node::Node*> node();

  // node::Node's operations (osier/node/node.hpp), opening the store first.
  Result<node::PutResult> put(const uri::EntryUri& uri, const std::string& file,
                              const node::PutOptions& options);
  Result<node::PutResult> remove(const uri::EntryUri& uri, const std::optional<std::string>& as);
  Result<model::Entry> deletion_entry(const uri::EntryUri& uri);
  Result<std::uint64_t> count_under(const uri::EntryUri& uri);
  Result<store::LengthyAuthorisedEntry> stat(const uri::EntryUri& uri);
  Status read(const uri::EntryUri& uri, const store::ByteSink& sink, const node::Progress& progress,
              const std::function<bool(std::uint64_t held)>& wait_for_more = {});

 private:
  std::unique_ptr<node::Home> home_;
  bool read_only_;
  mutable std::shared_ptr<const node::Aliases> aliases_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<node::Node> node_;
};

// The node of --home / $OSIER_HOME / ~/.local/share/osier; on failure reports it and returns null.
// With `read_only` the store opens read-only (commands that only read: read-only homes and
// backups work, and they can never change or sweep anything).
std::unique_ptr<LocalNode> open_node(const std::string& command, const NodeFlags& flags,
                                     bool read_only = false);

// The alias of an id when it has one, else its hex.
std::string id_text(const LocalNode& n, uri::IdKind kind, const ByteArray<32>& id);
// An entry URI with aliases in place of the ids it has names for (for people to read).
std::string entry_text(const LocalNode& n, const model::NamespaceId& ns,
                       const model::SubspaceId& ss, const model::Path& path);
// An area for people: "subspace S, path P, times [a, b)".
std::string area_text(const LocalNode& n, const model::Area& area);
// A timestamp (microseconds since the epoch) as UTC ISO 8601.
std::string time_text(model::Timestamp t);
// "1 entry", "3 entries": a count with its noun, singular or plural.
std::string count_text(std::uint64_t n, const char* singular, const char* plural);
// 1.5 MiB, 12 B, ...
std::string size_text(std::uint64_t bytes);

// A progress line on stderr (bytes, rate, ETA) while a large payload streams; silent unless
// stderr is a terminal and the payload is large.
class ProgressBar {
 public:
  // `label` names the phase for update(done, total).
  explicit ProgressBar(std::string label = "", std::uint64_t min_total = std::uint64_t{4} << 20);
  ~ProgressBar() { finish(); }
  void update(const char* phase, std::uint64_t done, std::uint64_t total);
  void update(std::uint64_t done, std::uint64_t total) { update(label_.c_str(), done, total); }
  // Ends the progress line (call before printing the result).
  void finish();
  node::Progress callback() {
    return [this](const char* phase, std::uint64_t d, std::uint64_t t) { update(phase, d, t); };
  }

 private:
  std::string label_;
  std::string phase_;
  std::uint64_t min_total_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

void print_json_line(const Json& j);

// Asks "QUESTION [y/N]" on stderr and reads the answer from standard input.
bool confirm(const std::string& question);
// OK with --yes; else asks on a terminal; else (stdin not a terminal) refuses, saying that
// --yes confirms. `question` reads as "delete ..." (no question mark).
Status confirm_or_yes(const std::string& question, bool yes);

}  // namespace osier::cli
