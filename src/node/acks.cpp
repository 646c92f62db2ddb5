#include "node/acks.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "node/files.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {
namespace {

using Json = nlohmann::json;

// Keys are checked before anything of them is echoed: errors name the file and, once they parsed,
// a peer's key and a namespace id (hex).
Result<AckTable> parse(const std::string& file, ByteView bytes) {
  const Json j = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  const auto corrupt = [&file](std::string_view why) { return corrupt_file(file, why); };
  if (j.is_discarded()) return corrupt("not JSON");
  const auto peers = j.is_object() ? j.find("peers") : j.end();
  if (!j.is_object() || peers == j.end() || !peers->is_object()) {
    return corrupt("not an acknowledgements file (an object with \"peers\")");
  }
  AckTable out;
  for (auto p = peers->begin(); p != peers->end(); ++p) {
    const std::optional<ByteArray<32>> key = array_from_hex<32>(p.key());
    if (!key) return corrupt("a key of \"peers\" is not a peer's key (64 hex digits)");
    std::string where = "peer ";
    where.append(to_hex(*key));
    if (!p.value().is_object()) return corrupt(where + ": not an object");
    std::map<model::NamespaceId, Acknowledgement>& per = out[*key];
    if (!per.empty()) return corrupt(where + ": listed twice");
    for (auto n = p.value().begin(); n != p.value().end(); ++n) {
      const std::optional<ByteArray<32>> ns = array_from_hex<32>(n.key());
      if (!ns) return corrupt(where + ": a key is not a namespace id (64 hex digits)");
      const auto bad = [&](std::string_view why) {
        std::string message = where;
        message.append(", namespace ").append(to_hex(*ns)).append(": ").append(why);
        return corrupt(message);
      };
      const Json& a = n.value();
      const auto as_of = a.is_object() ? a.find("as_of") : a.end();
      const auto at = a.is_object() ? a.find("at") : a.end();
      if (!a.is_object() || as_of == a.end() || at == a.end()) {
        return bad("not an object with \"as_of\" and \"at\"");
      }
      // as_of: an event number (0 to 2^64-1); at: Unix time in ms (a signed 64-bit number).
      if (!as_of->is_number_unsigned()) return bad("\"as_of\" is not an event number");
      const bool at_fits = at->is_number_unsigned()
                               ? at->get<std::uint64_t>() <= std::uint64_t{INT64_MAX}
                               : at->is_number_integer();
      if (!at_fits) return bad("\"at\" is not a time in ms (a signed 64-bit number)");
      if (!per.emplace(*ns, Acknowledgement{as_of->get<std::uint64_t>(), at->get<std::int64_t>()})
               .second) {
        return bad("listed twice");
      }
    }
  }
  return out;
}

}  // namespace

void prune_acks(AckTable& acks) {
  std::size_t n = 0;
  for (const auto& [key, per] : acks) n += per.size();
  if (n <= kMaxAcks) return;
  // Down to nine tenths, so that the next prune is a tenth away. The `at` at or below which
  // acknowledgements go: that of the drop-th oldest.
  std::vector<std::int64_t> ats;
  ats.reserve(n);
  for (const auto& [key, per] : acks)
    for (const auto& [ns, a] : per) ats.push_back(a.at_unix_ms);
  const std::size_t drop = n - (kMaxAcks - kMaxAcks / 10);
  std::nth_element(ats.begin(), ats.begin() + static_cast<std::ptrdiff_t>(drop - 1), ats.end());
  const std::int64_t cut = ats[drop - 1];
  // Everything older than the cut, then of those at the cut (found at one `now` together) as
  // many as are still to go.
  std::size_t dropped = 0;
  for (const bool ties : {false, true}) {
    for (auto it = acks.begin(); it != acks.end();) {
      for (auto j = it->second.begin(); j != it->second.end() && dropped < drop;) {
        const std::int64_t at = j->second.at_unix_ms;
        if (at < cut || (ties && at == cut)) {
          j = it->second.erase(j);
          ++dropped;
        } else {
          ++j;
        }
      }
      it = it->second.empty() ? acks.erase(it) : std::next(it);
    }
  }
}

std::string acks_path(const HomePaths& home) { return home.config() + "/acks"; }

Result<AckTable> load_acks(const HomePaths& home) {
  const std::string file = acks_path(home);
  OSIER_ASSIGN_OR_RETURN(const std::optional<Bytes> bytes,
                         read_config_file(file, kMaxAcksFileBytes));
  if (!bytes) return AckTable{};
  return parse(file, *bytes);
}

Status save_acks(const HomePaths& home, const AckTable& acks) {
  Json peers = Json::object();
  for (const auto& [key, namespaces] : acks) {
    Json per = Json::object();
    for (const auto& [ns, a] : namespaces)
      per[to_hex(ns)] = Json{{"as_of", a.as_of}, {"at", a.at_unix_ms}};
    peers[to_hex(key)] = per;
  }
  const std::string text = Json{{"peers", peers}}.dump() + "\n";
  return write_file_atomic(
      acks_path(home), ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
      0600);
}

}  // namespace osier::node
