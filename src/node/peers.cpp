#include "osier/node/peers.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "node/files.hpp"
#include "node/home_lock.hpp"

namespace osier::node {
namespace {

using Json = nlohmann::json;

Status corrupt(const HomePaths& home, const std::string& why) {
  return error(ErrorCode::kCorrupt, home.peers() + ": " + why);
}

// Letters, digits and ".-_:%" cover host names, IPv4 and IPv6 addresses (':' and a zone after
// '%'); anything else (a space, a line break, a terminal escape) would only break `peer list`
// and the daemon's logs.
Status check_host(std::string_view host) {
  if (host.empty()) return error(ErrorCode::kInvalidArgument, "a peer address needs a host");
  if (host.size() > kMaxPeerHostBytes) {
    return error(ErrorCode::kInvalidArgument,
                 "a peer's host has at most " + std::to_string(kMaxPeerHostBytes) + " characters");
  }
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) {
      return error(
          ErrorCode::kInvalidArgument,
          "a peer's host has only letters, digits and '.-_:%', not '" + std::string(host) + "'");
    }
  }
  return Status::ok();
}

// The file as read: the whole document (kept, so that a rewrite keeps what this version does not
// know) and the address of each element of its "peers" array, in order.
struct PeersFile {
  Json document;
  std::vector<PeerEntry> peers;
};

Result<PeersFile> read_peers_file(const HomePaths& home) {
  OSIER_ASSIGN_OR_RETURN(const std::optional<Bytes> text,
                         read_config_file(home.peers(), kMaxPeersFileBytes));
  if (!text) return PeersFile{Json{{"peers", Json::array()}}, {}};
  PeersFile file;
  // The document is copied and printed again when the list changes, and both recurse as deep as
  // its nesting: fields this version does not know are kept only when shallow.
  int depth = 0;
  const Json::parser_callback_t deepest = [&depth](int d, Json::parse_event_t, Json&) {
    depth = std::max(depth, d);
    return true;
  };
  file.document = Json::parse(as_chars(*text), deepest, /*allow_exceptions=*/false);
  if (file.document.is_discarded() || !file.document.is_object()) {
    return corrupt(home, "not a JSON object");
  }
  if (depth > kMaxPeersFileDepth) {
    return corrupt(home, "nested deeper than " + std::to_string(kMaxPeersFileDepth) + " levels");
  }
  Json& list = file.document["peers"];  // a missing list is an empty one
  if (list.is_null()) list = Json::array();
  if (!list.is_array()) return corrupt(home, "\"peers\" is not an array");
  if (list.size() > kMaxPeers) {
    return corrupt(home, "more than " + std::to_string(kMaxPeers) + " peers");
  }
  file.peers.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = "peer " + std::to_string(i + 1) + ": ";
    const Json& element = list[i];
    const auto address = element.is_object() ? element.find("address") : element.end();
    if (!element.is_object() || address == element.end() || !address->is_string()) {
      return corrupt(home, where + "not an object with an \"address\" string");
    }
    Result<net::Endpoint> parsed = net::parse_endpoint(address->get_ref<const std::string&>());
    if (!parsed) return corrupt(home, where + parsed.status().message());
    if (const Status st = check_host(parsed->host); !st) return corrupt(home, where + st.message());
    file.peers.push_back(PeerEntry{std::move(*parsed)});
  }
  return file;
}

Status write_peers_file(const HomePaths& home, const Json& document) {
  // The document holds only what the parser accepted (valid UTF-8) and checked ASCII addresses;
  // `replace` makes sure dump() never throws all the same.
  const std::string text = document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (text.size() > kMaxPeersFileBytes) {
    return error(ErrorCode::kOutOfRange, home.peers() + ": the list would exceed " +
                                             std::to_string(kMaxPeersFileBytes) + " bytes");
  }
  // 0600: where a node's peers are is nobody else's business.
  return write_file_atomic(home.peers(), as_bytes(text), 0600);
}

}  // namespace

Result<std::vector<PeerEntry>> load_peers(const HomePaths& home) {
  OSIER_ASSIGN_OR_RETURN(PeersFile file, read_peers_file(home));
  // An address listed twice (by a hand edit) is one peer: a daemon dials it once.
  std::vector<PeerEntry> out;
  out.reserve(file.peers.size());
  for (PeerEntry& p : file.peers) {
    const std::string key = p.address.to_string();
    bool seen = false;
    for (const PeerEntry& q : out) seen = seen || q.address.to_string() == key;
    if (!seen) out.push_back(std::move(p));
  }
  return out;
}

Status add_peer(const HomePaths& home, const net::Endpoint& address,
                std::chrono::milliseconds lock_wait) {
  OSIER_RETURN_IF_ERROR(check_host(address.host));
  const std::string key = address.to_string();
  OSIER_ASSIGN_OR_RETURN(HomeLock lock, HomeLock::acquire(home, lock_wait));
  OSIER_ASSIGN_OR_RETURN(PeersFile file, read_peers_file(home));
  for (const PeerEntry& p : file.peers) {
    if (p.address.to_string() == key) {
      return error(ErrorCode::kInvalidArgument, "the peer " + key + " is listed already");
    }
  }
  if (file.peers.size() >= kMaxPeers) {
    return error(ErrorCode::kOutOfRange,
                 "at most " + std::to_string(kMaxPeers) + " peers can be listed");
  }
  file.document["peers"].push_back(Json{{"address", key}});
  return write_peers_file(home, file.document);
}

Status remove_peer(const HomePaths& home, const net::Endpoint& address,
                   std::chrono::milliseconds lock_wait) {
  const std::string key = address.to_string();
  OSIER_ASSIGN_OR_RETURN(HomeLock lock, HomeLock::acquire(home, lock_wait));
  OSIER_ASSIGN_OR_RETURN(PeersFile file, read_peers_file(home));
  Json kept = Json::array();
  for (std::size_t i = 0; i < file.peers.size(); ++i) {
    if (file.peers[i].address.to_string() != key) kept.push_back(file.document["peers"][i]);
  }
  if (kept.size() == file.peers.size()) {
    return error(ErrorCode::kNotFound, "the peer " + key + " is not listed");
  }
  file.document["peers"] = std::move(kept);
  return write_peers_file(home, file.document);
}

FileStamp peers_stamp(const HomePaths& home) { return file_stamp(home.peers()); }

}  // namespace osier::node
