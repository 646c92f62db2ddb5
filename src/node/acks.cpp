#include "node/acks.hpp"

#include <nlohmann/json.hpp>

#include "node/files.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {
namespace {

using Json = nlohmann::json;
constexpr std::size_t kMaxAcksFile = 16 << 20;

}  // namespace

std::string acks_path(const HomePaths& home) { return home.config() + "/acks"; }

Result<AckTable> load_acks(const HomePaths& home) {
  const std::string file = acks_path(home);
  Result<Bytes> bytes = read_small_file(file, kMaxAcksFile);
  if (!bytes) {
    if (bytes.status().code() == ErrorCode::kNotFound) return AckTable{};
    return bytes.status();
  }
  const Json j = Json::parse(bytes->begin(), bytes->end(), nullptr, /*allow_exceptions=*/false);
  const Status corrupt = error(ErrorCode::kCorrupt, file + ": not an acknowledgements file");
  if (!j.is_object() || !j.contains("peers") || !j["peers"].is_object()) return corrupt;
  AckTable out;
  for (auto p = j["peers"].begin(); p != j["peers"].end(); ++p) {
    const std::optional<ByteArray<32>> key = array_from_hex<32>(p.key());
    if (!key || !p.value().is_object()) return corrupt;
    for (auto n = p.value().begin(); n != p.value().end(); ++n) {
      const std::optional<ByteArray<32>> ns = array_from_hex<32>(n.key());
      const Json& a = n.value();
      if (!ns || !a.is_object() || !a.contains("as_of") || !a["as_of"].is_number_unsigned() ||
          !a.contains("at") || !a["at"].is_number_integer()) {
        return corrupt;
      }
      out[*key][*ns] =
          Acknowledgement{a["as_of"].get<std::uint64_t>(), a["at"].get<std::int64_t>()};
    }
  }
  return out;
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
