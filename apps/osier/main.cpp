// osier — the command-line tool. Thin: parses arguments, calls the library, formats output.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"osier — a Willow (Willow'25) data store, sync node and toolkit", "osier"};
  app.set_version_flag("--version", std::string("osier ") + OSIER_VERSION);
  app.require_subcommand(1);
  osier::cli::register_hash(app);
  osier::cli::register_codec(app);
  osier::cli::register_uri(app);
  osier::cli::register_node(app);
  osier::cli::register_drop(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return osier::cli::exit_code();
}
