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

// The file is untrusted (a hand edit, another program): nothing of it is echoed in an error but
// namespace ids (hex, once they parsed), and a record is read whole or the file is kCorrupt.
Result<Policies> parse(const std::string& file, ByteView bytes) {
  const Json j = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  const auto corrupt = [&file](std::string_view why) { return corrupt_file(file, why); };
  if (j.is_discarded()) return corrupt("not JSON");
  const auto records = j.is_object() ? j.find("namespaces") : j.end();
  if (!j.is_object() || records == j.end() || !records->is_object()) {
    return corrupt("not a policies file (an object with \"namespaces\")");
  }
  Policies out;
  for (auto it = records->begin(); it != records->end(); ++it) {
    const std::optional<ByteArray<32>> ns = array_from_hex<32>(it.key());
    if (!ns) return corrupt("a key of \"namespaces\" is not a namespace id (64 hex digits)");
    const auto bad = [&](std::string_view why) {
      std::string message = "namespace ";
      message.append(to_hex(*ns)).append(": ").append(why);
      return corrupt(message);
    };
    const Json& v = it.value();
    const auto payloads = v.is_object() ? v.find("payloads") : v.end();
    if (!v.is_object() || payloads == v.end() || !payloads->is_string()) {
      return bad("not an object with a \"payloads\" string");
    }
    Result<PayloadPolicy> p = parse_policy(payloads->get_ref<const std::string&>());
    if (!p) return bad("\"payloads\" is not eager, lazy or none");
    NamespacePolicy np;
    np.payloads = *p;
    if (const auto max = v.find("max_size"); max != v.end()) {
      if (np.payloads != PayloadPolicy::kEager) return bad("a max_size for a policy not eager");
      if (!max->is_number_unsigned()) {
        return bad("max_size is not a whole number of bytes below 2^64");
      }
      np.max_size = max->get<std::uint64_t>();
    }
    // The same id in another case of hex digits: which record holds is not for us to guess.
    if (!out.emplace(*ns, np).second) return bad("listed twice");
  }
  return out;
}

Result<Policies> read(const HomePaths& home) {
  const std::string file = policies_path(home);
  OSIER_ASSIGN_OR_RETURN(const std::optional<Bytes> bytes,
                         read_config_file(file, kMaxPoliciesFile));
  if (!bytes) return Policies{};
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

Status set_policy(const HomePaths& home, const model::NamespaceId& ns, const NamespacePolicy& p,
                  std::chrono::milliseconds lock_wait) {
  if (p.max_size && p.payloads != PayloadPolicy::kEager) {
    return error(ErrorCode::kInvalidArgument, "a size limit applies to the eager policy only");
  }
  OSIER_ASSIGN_OR_RETURN(HomeLock lock, HomeLock::acquire(home, lock_wait));
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
