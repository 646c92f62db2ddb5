// osier peer add|rm|list: the peers the daemon keeps in touch with (HOME/config/peers,
// osier/node/peers.hpp). Only the list changes here; nothing is dialled.
#include <fmt/core.h>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/node/home_paths.hpp"
#include "osier/node/peers.hpp"

namespace osier::cli {
namespace {

struct PeerOptions {
  NodeFlags flags;
  std::string address;
};

// The home of --home / $OSIER_HOME / the default, initialised; on failure reports it.
std::optional<node::HomePaths> peer_home(const std::string& command, const PeerOptions& o) {
  Result<node::HomePaths> home = node::resolve_home(o.flags.home);
  if (!home) {
    fail(command, home.status());
    return std::nullopt;
  }
  if (const Status st = node::require_home(*home); !st) {
    fail(command, st);
    return std::nullopt;
  }
  return *home;
}

// Adds or removes the peer at o.address; `add` says which.
void run_peer_change(const PeerOptions& o, bool add) {
  const std::string command = add ? "peer add" : "peer rm";
  const std::optional<node::HomePaths> home = peer_home(command, o);
  if (!home) return;
  Result<net::Endpoint> address = net::parse_endpoint(o.address);
  if (!address) return fail(command, address.status(), 2);
  const Status st = add ? node::add_peer(*home, *address) : node::remove_peer(*home, *address);
  if (!st) return fail(command, st);
  if (o.flags.json) {
    return print_json_line(
        Json{{"address", address->to_string()}, {add ? "added" : "removed", true}});
  }
  fmt::print("{} peer {}\n", add ? "added" : "removed", address->to_string());
}

void run_peer_list(const PeerOptions& o) {
  const std::optional<node::HomePaths> home = peer_home("peer list", o);
  if (!home) return;
  Result<std::vector<node::PeerEntry>> peers = node::load_peers(*home);
  if (!peers) return fail("peer list", peers.status());
  if (o.flags.json) {
    Json list = Json::array();
    for (const node::PeerEntry& p : *peers) list.push_back(p.address.to_string());
    return print_json_line(Json{{"peers", std::move(list)}});
  }
  for (const node::PeerEntry& p : *peers) fmt::print("{}\n", p.address.to_string());
}

}  // namespace

void register_peer(CLI::App& app) {
  CLI::App* peer =
      app.add_subcommand("peer", "The peers the daemon keeps in touch with: add, rm, list");
  peer->require_subcommand(1);

  auto add = std::make_shared<PeerOptions>();
  CLI::App* c = peer->add_subcommand("add", "Add a peer to the home's list");
  c->add_option("address", add->address,
                "HOST:PORT or tcp://HOST:PORT (the port defaults to 22377)")
      ->required();
  add_node_flags(c, add->flags);
  c->callback([add] { run_peer_change(*add, true); });

  auto rm = std::make_shared<PeerOptions>();
  c = peer->add_subcommand("rm", "Remove a peer from the home's list");
  c->add_option("address", rm->address, "HOST:PORT as listed (the port defaults to 22377)")
      ->required();
  add_node_flags(c, rm->flags);
  c->callback([rm] { run_peer_change(*rm, false); });

  auto ls = std::make_shared<PeerOptions>();
  c = peer->add_subcommand("list", "List the home's peers, one HOST:PORT a line");
  add_node_flags(c, ls->flags);
  c->callback([ls] { run_peer_list(*ls); });
}

}  // namespace osier::cli
