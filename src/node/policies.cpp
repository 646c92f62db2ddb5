#include "osier/node/policies.hpp"

#include <nlohmann/json.hpp>

#include "node/files.hpp"
#include "node/home_lock.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxPoliciesFile = 4 << 20;

std::string policies_path(const HomePaths& home) { return home.config() + "/policies"; }

Result<Policies> parse(const std::string& file, ByteView bytes) {
  const Json j = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  const auto corrupt = [&](const std::string& why) {
    return error(ErrorCode::kCorrupt, file + ": " + why);
  };
  if (!j.is_object() || !j.contains("namespaces") || !j["namespaces"].is_object()) {
    return corrupt("not a policies file (an object with \"namespaces\")");
  }
  Policies out;
  for (auto it = j["namespaces"].begin(); it != j["namespaces"].end(); ++it) {
    const std::optional<ByteArray<32>> ns = array_from_hex<32>(it.key());
    const Json& v = it.value();
    if (!ns || !v.is_object() || !v.contains("payloads") || !v["payloads"].is_string()) {
      return corrupt("bad record for namespace " + it.key());
    }
    Result<PayloadPolicy> p = parse_policy(v["payloads"].get_ref<const std::string&>());
    if (!p) return corrupt(p.status().message());
    NamespacePolicy np;
    np.payloads = *p;
    if (v.contains("max_size")) {
      if (!v["max_size"].is_number_unsigned() || np.payloads != PayloadPolicy::kEager) {
        return corrupt("bad max_size for namespace " + it.key());
      }
      np.max_size = v["max_size"].get<std::uint64_t>();
    }
    out[*ns] = np;
  }
  return out;
}

Result<Policies> read(const HomePaths& home) {
  const std::string file = policies_path(home);
  Result<Bytes> bytes = read_small_file(file, kMaxPoliciesFile);
  if (!bytes) {
    if (bytes.status().code() == ErrorCode::kNotFound) return Policies{};
    return bytes.status();
  }
  return parse(file, *bytes);
}

}  // namespace

std::uint8_t NamespacePolicy::payload_power() const {
  if (payloads != PayloadPolicy::kEager) return 0;
  if (!max_size) return 64;
  std::uint8_t p = 0;
  while (p < 64 && (std::uint64_t{1} << p) < *max_size) ++p;
  // 2^p >= max_size: a payload between max_size and 2^p may still travel; the daemon asks for
  // none beyond max_size (fetches()).
  return p;
}

const char* policy_name(PayloadPolicy p) {
  switch (p) {
    case PayloadPolicy::kEager:
      return "eager";
    case PayloadPolicy::kLazy:
      return "lazy";
    case PayloadPolicy::kNone:
      return "none";
  }
  return "?";
}

Result<PayloadPolicy> parse_policy(std::string_view text) {
  if (text == "eager") return PayloadPolicy::kEager;
  if (text == "lazy") return PayloadPolicy::kLazy;
  if (text == "none") return PayloadPolicy::kNone;
  std::string message = "not a download policy (eager, lazy or none): ";
  message.append(text);
  return error(ErrorCode::kInvalidArgument, message);
}

Result<Policies> load_policies(const HomePaths& home) { return read(home); }

Status set_policy(const HomePaths& home, const model::NamespaceId& ns, const NamespacePolicy& p) {
  if (p.max_size && p.payloads != PayloadPolicy::kEager) {
    return error(ErrorCode::kInvalidArgument, "a size limit applies to the eager policy only");
  }
  OSIER_ASSIGN_OR_RETURN(HomeLock lock, HomeLock::acquire(home));
  OSIER_ASSIGN_OR_RETURN(Policies all, read(home));
  if (p == NamespacePolicy{}) {
    all.erase(ns);
  } else {
    all[ns] = p;
  }
  Json records = Json::object();
  for (const auto& [id, policy] : all) {
    Json r{{"payloads", policy_name(policy.payloads)}};
    if (policy.max_size) r["max_size"] = *policy.max_size;
    records[to_hex(id)] = r;
  }
  const std::string text = Json{{"namespaces", records}}.dump(2) + "\n";
  return write_file_atomic(
      policies_path(home),
      ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0600);
}

NamespacePolicy policy_of(const Policies& all, const model::NamespaceId& ns) {
  const auto it = all.find(ns);
  return it == all.end() ? NamespacePolicy{} : it->second;
}

FileStamp policies_stamp(const HomePaths& home) { return file_stamp(policies_path(home)); }

}  // namespace osier::node
