#include "node/daemon_json.hpp"

#include "osier/base/hex.hpp"

namespace osier::node {

using json::Json;

std::string dump_line(const Json& j) {
  // Messages may carry a peer's bytes: invalid UTF-8 is replaced, never thrown about.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json summary_json(const net::SyncSummary& s, std::uint64_t max_namespaces) {
  Json namespaces = Json::array();
  for (const auto& [ns, p] : s.namespaces) {
    if (namespaces.size() >= max_namespaces) break;
    namespaces.push_back(
        Json{{"namespace", to_hex(ns)},
             {"overlaps", p.overlaps},
             {"roots_complete", p.roots_complete},
             {"roots_matched", p.roots_matched},
             {"matched_as_of", p.matched_as_of ? Json(*p.matched_as_of) : Json()}});
  }
  const std::uint64_t omitted = s.namespaces.size() - namespaces.size();
  return Json{{"namespaces", namespaces},
              {"namespaces_omitted", omitted},
              {"established", s.established},
              {"overlaps", s.overlaps},
              {"roots", s.roots},
              {"roots_complete", s.roots_complete},
              {"in_sync", s.in_sync},
              {"entries_received", s.entries_received},
              {"entries_new", s.entries_new},
              {"entries_sent", s.entries_sent},
              {"entries_forwarded", s.entries_forwarded},
              {"payloads_received", s.payloads_received},
              {"payload_bytes_received", s.payload_bytes_received},
              {"payloads_sent", s.payloads_sent},
              {"payload_bytes_sent", s.payload_bytes_sent},
              {"round_trips", s.round_trips},
              {"widest_open_ranges", s.widest_open_ranges},
              {"failure", s.failure.empty() ? Json(nullptr) : Json(s.failure)}};
}

Json status_json(const DaemonStatus& s, std::uint64_t max_namespaces) {
  Json peers = Json::array();
  for (const DaemonPeerStatus& p : s.peers) {
    Json acks = Json::array();
    for (const auto& [ns, a] : p.acknowledgements) {
      if (acks.size() >= max_namespaces) break;
      acks.push_back(Json{{"namespace", to_hex(ns)}, {"as_of", a.as_of}, {"at", a.at_unix_ms}});
    }
    peers.push_back(Json{{"address", p.address.empty() ? Json(nullptr) : Json(p.address)},
                         {"key", p.key ? Json(to_hex(*p.key)) : Json(nullptr)},
                         {"outbound", p.outbound},
                         {"state", p.state},
                         {"sessions", p.sessions},
                         {"last_bytes_in", p.last_bytes_in},
                         {"last_bytes_out", p.last_bytes_out},
                         {"last_error", p.last_error.empty() ? Json(nullptr) : Json(p.last_error)},
                         {"session", summary_json(p.summary, max_namespaces)},
                         {"acknowledgements_omitted", p.acknowledgements.size() - acks.size()},
                         {"acknowledgements", acks}});
  }
  return Json{{"address", s.address},
              {"identity", s.identity},
              {"key", to_hex(s.key)},
              {"interests", s.interests},
              {"store_sequence", s.store_sequence},
              {"peers", peers}};
}

Json peers_json(const std::vector<PeerEntry>& peers) {
  Json out = Json::array();
  for (const PeerEntry& p : peers) out.push_back(Json{{"address", p.address.to_string()}});
  return out;
}

Json policies_json(const Policies& policies) {
  Json out = Json::array();
  for (const auto& [ns, p] : policies) {
    out.push_back(Json{{"namespace", to_hex(ns)},
                       {"payloads", policy_name(p.payloads)},
                       {"max_size", p.max_size ? Json(*p.max_size) : Json(nullptr)}});
  }
  return out;
}

std::string ok_line(const Json& fields) {
  Json j = Json{{"ok", true}};
  if (fields.is_object()) j.update(fields);
  return dump_line(j);
}

std::string error_line(std::string_view code, std::string_view message) {
  return dump_line(
      Json{{"ok", false},
           {"error", Json{{"code", std::string(code)}, {"message", std::string(message)}}}});
}

}  // namespace osier::node
