// osier — the command-line tool. Thin: parses arguments, calls the library, formats output.
//
// What every command shares, enforced here once (docs/cli.md "Exit codes"):
// - descriptors 0-2 are open before any file is (else a store file could become stderr);
// - global options (--home, --json) may stand before the command;
// - a usage error is one line "osier <command>: <what>" and exit 2;
// - output that cannot be written (a full disk, a closed pipe with SIGPIPE ignored) is one line
//   and exit 1, never an abort and never silence: stdout is flushed and checked at the end.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "osier/base/std_fds.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// "osier store check": the names of the subcommands chosen so far.
std::string command_name(const CLI::App& app) {
  std::string name;
  const CLI::App* at = &app;
  for (;;) {
    const std::vector<CLI::App*> chosen = at->get_subcommands();
    if (chosen.empty()) break;
    at = chosen.front();
    name += (name.empty() ? "" : " ") + at->get_name();
  }
  return name;
}

void usage_error(const std::string& command, const std::string& message) {
  std::fflush(stdout);
  fmt::print(stderr, "osier{}{}: {}\n", command.empty() ? "" : " ", command, message);
}

// Moves global options that stand before the command (`osier --home H ls`) behind it, where
// the command's own parser takes them. Returns false (after a message) for an unusable one.
bool move_global_options(std::vector<std::string>& args) {
  std::vector<std::string> global;
  std::size_t i = 1;
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a == "--json") {
      global.push_back(a);
      ++i;
    } else if (a == "--home") {
      if (i + 1 >= args.size()) {
        usage_error("", "--home needs a directory");
        return false;
      }
      global.push_back(a);
      global.push_back(args[i + 1]);
      i += 2;
    } else if (a.rfind("--home=", 0) == 0) {
      global.push_back(a);
      ++i;
    } else {
      break;
    }
  }
  args.erase(args.begin() + 1, args.begin() + static_cast<std::ptrdiff_t>(i));
  args.insert(args.end(), global.begin(), global.end());
  // An empty --home would silently mean the default home.
  for (std::size_t k = 1; k < args.size(); ++k) {
    if ((args[k] == "--home" && k + 1 < args.size() && args[k + 1].empty()) ||
        args[k] == "--home=") {
      usage_error("", "--home must name a directory (it is empty)");
      return false;
    }
  }
  return true;
}

bool stdout_ok() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!osier::ensure_standard_fds()) return kExitFailure;
  CLI::App app{"osier — a Willow (Willow'25) data store, sync node and toolkit", "osier"};
  app.set_version_flag("--version", std::string("osier ") + OSIER_VERSION);
  app.require_subcommand(1);
  osier::cli::register_hash(app);
  osier::cli::register_codec(app);
  osier::cli::register_uri(app);
  osier::cli::register_node(app);
  osier::cli::register_drop(app);
  osier::cli::register_net(app);
  osier::cli::register_daemon(app);
  osier::cli::register_policy(app);
  osier::cli::register_peer(app);

  std::vector<std::string> args(argv, argv + argc);
  if (!move_global_options(args)) return kExitUsage;
  if (args.size() < 2) {
    usage_error("", "a command is required (see `osier --help`)");
    return kExitUsage;
  }
  if (args[1][0] != '-') {
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) known = known || sub->check_name(args[1]);
    if (!known) {
      usage_error("", "unknown command '" + args[1] + "' (see `osier --help`)");
      return kExitUsage;
    }
  }
  // An owned namespace's id is written with '-' (`-a000...`): CLI11 would read it as options.
  // Such arguments go after a "--", in their order, where only positionals are read.
  std::vector<std::string> signed_ids;
  for (std::size_t i = 2; i < args.size();) {
    const std::string& a = args[i];
    const bool signed_id = a.size() == 65 && a[0] == '-' &&
                           a.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos;
    const std::string& before = args[i - 1];
    if (signed_id && (before == "--ns" || before == "--as" || before == "--to")) {
      args[i - 1] = before + "=" + a;  // an option's value: --ns=-a000...
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (signed_id) {
      signed_ids.push_back(a);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  if (!signed_ids.empty()) {
    if (std::find(args.begin(), args.end(), "--") == args.end()) args.push_back("--");
    args.insert(args.end(), signed_ids.begin(), signed_ids.end());
  }
  // CLI11 takes the arguments in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version (CallForHelp is a Success)
  } catch (const CLI::ParseError& e) {
    usage_error(command_name(app), e.what());
    return kExitUsage;
  } catch (const std::system_error& e) {
    // fmt::print throws when standard output cannot be written.
    usage_error(command_name(app),
                std::string("cannot write standard output: ") + e.code().message());
    return kExitFailure;
  } catch (const std::exception& e) {
    usage_error(command_name(app), e.what());
    return kExitFailure;
  }
  if (!stdout_ok()) {
    usage_error(command_name(app), std::string("cannot write standard output: ") +
                                       (errno ? std::strerror(errno) : "write error"));
    return kExitFailure;
  }
  return osier::cli::exit_code();
}
