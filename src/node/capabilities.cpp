#include "osier/node/capabilities.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/fs.hpp"
#include "node/files.hpp"
#include "osier/base/hex.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/encoding_capability.hpp"

namespace osier::node {

namespace {

constexpr std::string_view kSuffix = ".cap";

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// 'text' (appends rather than concatenates: GCC 12 warns falsely about operator+ here).
std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

Result<Bytes> encode(const meadowcap::McCapability& cap) {
  Encoder enc;
  OSIER_RETURN_IF_ERROR(meadowcap::encode_mc_capability(enc, cap));
  return enc.take();
}

}  // namespace

Result<std::string> capability_to_text(const meadowcap::McCapability& cap) {
  OSIER_ASSIGN_OR_RETURN(Bytes code, encode(cap));
  return to_hex(code);
}

Result<meadowcap::McCapability> capability_from_text(std::string_view text) {
  text = trim(text);
  // A capability's code is bounded by its delegations; 1 MiB of text is far beyond any real one.
  if (text.size() > (1 << 20)) return error(ErrorCode::kOutOfRange, "capability text too long");
  const std::optional<Bytes> code = from_hex(text);
  if (!code || code->empty()) {
    return error(ErrorCode::kInvalidEncoding,
                 "a capability is written as the hex of its canonic encoding");
  }
  Decoder dec(*code);
  Result<meadowcap::McCapability> cap = meadowcap::decode_mc_capability(dec, DecodeMode::kCanonic);
  if (!cap) return error(cap.status().code(), "not a capability: " + cap.status().message());
  if (!dec.at_end())
    return error(ErrorCode::kInvalidEncoding, "not a capability: bytes after its end");
  const Status valid = cap->validate();
  if (!valid.is_ok()) return error(valid.code(), "invalid capability: " + valid.message());
  return cap;
}

Result<std::string> capability_id(const meadowcap::McCapability& cap) {
  OSIER_ASSIGN_OR_RETURN(Bytes code, encode(cap));
  return to_hex(crypto::william3(code)).substr(0, 16);
}

Result<std::string> CapabilityStore::add(const meadowcap::McCapability& cap) const {
  OSIER_ASSIGN_OR_RETURN(std::string text, capability_to_text(cap));
  OSIER_ASSIGN_OR_RETURN(std::string id, capability_id(cap));
  const std::string path = home_.caps() + "/" + id + std::string(kSuffix);
  if (!file_exists(path))
    OSIER_RETURN_IF_ERROR(write_file_atomic(path, as_bytes(text + "\n"), 0644));
  return id;
}

Result<std::vector<HeldCapability>> CapabilityStore::list() const {
  std::vector<std::string> names;
  DIR* dir = ::opendir(home_.caps().c_str());
  if (!dir) {
    if (errno == ENOENT) return std::vector<HeldCapability>{};
    return io_error(home_.caps(), errno);
  }
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix) {
      names.emplace_back(name);
    }
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  std::vector<HeldCapability> out;
  for (const std::string& name : names) {
    const std::string path = home_.caps() + "/" + name;
    OSIER_ASSIGN_OR_RETURN(Bytes text, read_small_file(path, 2 << 20));
    Result<meadowcap::McCapability> cap = capability_from_text(as_chars(text));
    if (!cap) return error(ErrorCode::kCorrupt, path + ": " + cap.status().message());
    out.push_back({name.substr(0, name.size() - kSuffix.size()), std::move(*cap)});
  }
  return out;
}

Result<HeldCapability> CapabilityStore::find(std::string_view id_or_text) const {
  const std::string_view key = trim(id_or_text);
  if (key.size() > 16) {
    OSIER_ASSIGN_OR_RETURN(meadowcap::McCapability cap, capability_from_text(key));
    OSIER_ASSIGN_OR_RETURN(std::string id, capability_id(cap));
    return HeldCapability{std::move(id), std::move(cap)};
  }
  const std::string quoted = quote(key);
  if (key.size() < 4) {
    return error(ErrorCode::kInvalidArgument,
                 quoted + ": name a capability by at least 4 digits of its id, or give it in full");
  }
  OSIER_ASSIGN_OR_RETURN(std::vector<HeldCapability> held, list());
  std::optional<HeldCapability> found;
  for (HeldCapability& h : held) {
    if (h.id.compare(0, key.size(), key) != 0) continue;
    if (found)
      return error(ErrorCode::kInvalidArgument, quoted + " names more than one held capability");
    found = std::move(h);
  }
  if (!found) {
    return error(ErrorCode::kNotFound,
                 "no held capability with id " + quoted + " (see `osier cap list`)");
  }
  return std::move(*found);
}

Status CapabilityStore::remove(const std::string& id) const {
  const std::string path = home_.caps() + "/" + id + std::string(kSuffix);
  if (fs::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return error(ErrorCode::kNotFound, "no held capability " + id);
    return io_error(path, errno);
  }
  return Status::ok();
}

Result<std::size_t> CapabilityStore::remove_namespace(
    const model::NamespaceId& namespace_id) const {
  OSIER_ASSIGN_OR_RETURN(std::vector<HeldCapability> held, list());
  std::size_t removed = 0;
  for (const HeldCapability& h : held) {
    if (h.cap.granted_namespace() != namespace_id) continue;
    const std::string path = home_.caps() + "/" + h.id + std::string(kSuffix);
    if (fs::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error(path, errno);
    ++removed;
  }
  return removed;
}

}  // namespace osier::node
