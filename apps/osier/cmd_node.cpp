// Shared helpers of the local-node commands, and their registration (docs/cli.md).
#include "cmd_node.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "commands.hpp"
#include "osier/base/hex.hpp"
#include "osier/base/io_error.hpp"

namespace osier::cli {

void register_init_commands(CLI::App& app);
void register_id_commands(CLI::App& app);
void register_ns_commands(CLI::App& app);
void register_cap_commands(CLI::App& app);
void register_data_commands(CLI::App& app);

void register_node(CLI::App& app) {
  register_init_commands(app);
  register_id_commands(app);
  register_ns_commands(app);
  register_cap_commands(app);
  register_data_commands(app);
}

const CLI::Validator& decimal_u64() {
  static const CLI::Validator v(
      [](const std::string& text) -> std::string {
        if (text.empty()) return "a number is required (decimal digits)";
        if (text.find_first_not_of("0123456789") != std::string::npos) {
          return "'" + text + "' is not a number of decimal digits (no sign, no 0x)";
        }
        // 2^64 - 1 has 20 digits; longer (after leading zeros) or larger overflows.
        const std::size_t start = std::min(text.find_first_not_of('0'), text.size());
        const std::string digits = text.substr(start);
        if (digits.size() > 20 || (digits.size() == 20 && digits > "18446744073709551615")) {
          return "'" + text + "' is larger than 18446744073709551615";
        }
        return "";
      },
      "UINT64");
  return v;
}

void add_node_flags(CLI::App* cmd, NodeFlags& flags, bool json) {
  cmd->add_option("--home", flags.home,
                  "The node's home directory (default: $OSIER_HOME, else ~/.local/share/osier)");
  if (json)
    cmd->add_flag("--json", flags.json, "Output JSON (one object per line) instead of text");
}

std::string count_text(std::uint64_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

std::string shown(std::string_view text, std::size_t max) {
  std::string out;
  for (const char c : text.substr(0, std::min(text.size(), max))) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out += c;
    }
  }
  if (text.size() > max) out += "…";
  return out;
}

void fail(const std::string& command, const Status& status, int code) {
  std::fflush(stdout);
  // One line, whatever the message quotes (a path from someone else's drop, a URI).
  fmt::print(stderr, "osier {}: {}\n", command, shown(status.message(), 1000));
  set_exit_code(code);
}

const node::Aliases& LocalNode::aliases() const {
  aliases_ = home_->aliases();
  return *aliases_;
}

Result<store::Store*> LocalNode::store() {
  if (!store_) {
    Result<std::unique_ptr<store::Store>> s = node::open_home_store(home_->paths(), read_only_);
    if (!s) {
      return error(s.status().code(), "cannot open the store at " + home_->paths().store() + ": " +
                                          s.status().message());
    }
    store_ = std::move(*s);
  }
  return store_.get();
}

Result<node::Node*> LocalNode::node() {
  if (!node_) {
    OSIER_ASSIGN_OR_RETURN(store::Store * s, store());
    node_ = std::make_unique<node::Node>(*home_, *s);
  }
  return node_.get();
}

Result<node::PutResult> LocalNode::put(const uri::EntryUri& uri, const std::string& file,
                                       const node::PutOptions& options) {
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node());
  return n->put(uri, file, options);
}

Result<node::PutResult> LocalNode::remove(const uri::EntryUri& uri,
                                          const std::optional<std::string>& as) {
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node());
  return n->remove(uri, as);
}

Result<model::Entry> LocalNode::deletion_entry(const uri::EntryUri& uri) {
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node());
  return n->deletion_entry(uri);
}

Result<std::uint64_t> LocalNode::count_under(const uri::EntryUri& uri) {
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node());
  return n->count_under(uri);
}

Result<store::LengthyAuthorisedEntry> LocalNode::stat(const uri::EntryUri& uri) {
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node());
  return n->stat(uri);
}

Status LocalNode::read(const uri::EntryUri& uri, const store::ByteSink& sink,
                       const node::Progress& progress,
                       const std::function<bool(std::uint64_t held)>& wait_for_more) {
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node());
  return n->read(uri, sink, progress, wait_for_more);
}

std::unique_ptr<LocalNode> open_node(const std::string& command, const NodeFlags& flags,
                                     bool read_only) {
  Result<node::HomePaths> paths = node::resolve_home(flags.home);
  if (!paths) {
    fail(command, paths.status());
    return nullptr;
  }
  Result<std::unique_ptr<node::Home>> home = node::Home::open(*paths);
  if (!home) {
    fail(command, home.status());
    return nullptr;
  }
  return std::make_unique<LocalNode>(std::move(*home), read_only);
}

std::string id_text(const LocalNode& n, uri::IdKind kind, const ByteArray<32>& id) {
  const node::Aliases& a = n.aliases();
  if (auto name = a.name_of(kind, id)) return *name;
  return to_hex(id);
}

std::string entry_text(const LocalNode& n, const model::NamespaceId& ns,
                       const model::SubspaceId& ss, const model::Path& path) {
  const node::Aliases& a = n.aliases();
  const auto ns_name = a.name_of(uri::IdKind::kNamespace, ns);
  const auto ss_name = a.name_of(uri::IdKind::kSubspace, ss);
  // Printed through the URI printer so the path is escaped exactly as in a URI.
  std::string text = uri::to_string(uri::EntryUri{ns, ss, path, {}, {}, {}, {}, {}});
  const std::string head = "willow://";
  const std::size_t dot = text.find('.', head.size());
  const std::size_t slash = text.find('/', dot);
  std::string out = head;
  out += ns_name ? *ns_name : text.substr(head.size(), dot - head.size());
  out += '.';
  out += ss_name
             ? *ss_name
             : text.substr(dot + 1, (slash == std::string::npos ? text.size() : slash) - dot - 1);
  if (slash != std::string::npos) out += text.substr(slash);
  return out;
}

std::string area_text(const LocalNode& n, const model::Area& area) {
  std::string s = "subspace ";
  s += area.subspace ? id_text(n, uri::IdKind::kSubspace, *area.subspace) : std::string("(any)");
  s += ", path ";
  s += area.path.component_count() == 0 ? std::string("(any)") : area.path.to_string() + "/…";
  s += ", times ";
  if (area.times.start == 0 && !area.times.end) {
    s += "(all)";
  } else {
    s += "[" + std::to_string(area.times.start) + ", " +
         (area.times.end ? std::to_string(*area.times.end) : std::string("∞")) + ")";
  }
  return s;
}

std::string time_text(model::Timestamp t) {
  const std::time_t secs = static_cast<std::time_t>(t / 1000000);
  std::tm tm{};
  if (::gmtime_r(&secs, &tm) == nullptr) return std::to_string(t);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06}Z", buf, t % 1000000);
}

std::string size_text(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes) / 1024;
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

ProgressBar::ProgressBar(std::string label, std::uint64_t min_total)
    : label_(std::move(label)),
      min_total_(min_total),
      tty_(::isatty(2) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressBar::finish() {
  if (shown_) fmt::print(stderr, "\n");
  shown_ = false;
}

void ProgressBar::update(const char* phase, std::uint64_t done, std::uint64_t total) {
  if (!tty_ || total < min_total_) return;
  const auto now = std::chrono::steady_clock::now();
  if (phase_ != phase) {  // a new pass: its own line, rate and ETA
    finish();
    phase_ = phase;
    start_ = now;
  } else if (shown_ && done < total && now - last_ < std::chrono::milliseconds(100)) {
    return;
  }
  last_ = now;
  shown_ = true;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  const int width = 30;
  const int filled = static_cast<int>(static_cast<double>(width) * static_cast<double>(done) /
                                      static_cast<double>(total));
  // No rate or ETA before there is something to measure them by.
  const std::string speed =
      rate > 0 && secs >= 0.2
          ? fmt::format("{}/s  ETA {:.0f}s", size_text(static_cast<std::uint64_t>(rate)), eta)
          : std::string("--/s  ETA --");
  fmt::print(stderr, "\r{:<8} [{}{}] {} / {}  {} \x1b[K", phase_, std::string(filled, '#'),
             std::string(width - filled, ' '), size_text(done), size_text(total), speed);
}

bool confirm(const std::string& question) {
  fmt::print(stderr, "{} [y/N] ", question);
  std::fflush(stderr);
  char line[64] = {};
  if (!std::fgets(line, sizeof line, stdin)) return false;
  return line[0] == 'y' || line[0] == 'Y';
}

Status confirm_or_yes(const std::string& question, bool yes) {
  if (yes) return Status::ok();
  if (::isatty(0) != 1) {
    return error(
        ErrorCode::kInvalidArgument,
        "would " + question + " — standard input is not a terminal, so pass --yes to confirm");
  }
  if (!confirm(question + "?"))
    return error(ErrorCode::kInvalidArgument, "not confirmed; nothing changed");
  return Status::ok();
}

void print_json_line(const Json& j) { fmt::print("{}\n", j.dump()); }

}  // namespace osier::cli
