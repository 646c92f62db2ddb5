// Registration of the CLI's subcommands; each lives in its own cmd_<name>.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace osier::cli {

// The process exit code the chosen subcommand asks for (set by its callback).
int exit_code();
void set_exit_code(int code);

void register_hash(CLI::App& app);
void register_codec(CLI::App& app);
void register_uri(CLI::App& app);
void register_node(CLI::App& app);    // init, id, ns, cap, put/get/cat/ls/stat/rm, store
void register_drop(CLI::App& app);    // drop export/import
void register_net(CLI::App& app);     // serve, sync, connect
void register_daemon(CLI::App& app);  // daemon, status
void register_policy(CLI::App& app);  // policy set/show
void register_peer(CLI::App& app);    // peer add/rm/list

}  // namespace osier::cli
