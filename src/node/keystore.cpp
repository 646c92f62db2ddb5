#include "osier/node/keystore.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/fs.hpp"
#include "node/files.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {

namespace {

const char* kind_name(KeyKind kind) {
  return kind == KeyKind::kIdentity ? "identity" : "namespace";
}

// Wipes a buffer of secret text or bytes when it goes out of scope.
template <typename T>
struct WipeOnExit {
  T& buf;
  ~WipeOnExit() {
    crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(buf.data()), buf.size()));
  }
};

}  // namespace

bool seed_from_hex(std::string_view text, crypto::Ed25519Seed& seed) {
  // Decodes in place (no temporary copies of the secret, unlike from_hex).
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() != 2 * seed.size()) return false;
  for (std::size_t i = 0; i < seed.size(); ++i) {
    const int hi = digit(text[2 * i]);
    const int lo = digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    seed[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string Keystore::path_of(KeyKind kind, const std::string& name) const {
  return home_.keys() + "/" + kind_name(kind) + "-" + name + ".seed";
}

bool Keystore::has(KeyKind kind, const std::string& name) const {
  return file_exists(path_of(kind, name));
}

Status Keystore::save(KeyKind kind, const std::string& name,
                      const crypto::Ed25519SecretKey& key) const {
  if (has(kind, name)) {
    return error(ErrorCode::kInvalidArgument, std::string("the keystore has a ") + kind_name(kind) +
                                                  " key named '" + name + "' already");
  }
  crypto::Ed25519Seed seed = key.expose_seed();
  WipeOnExit<crypto::Ed25519Seed> wipe_seed{seed};
  std::string text = to_hex(seed);
  WipeOnExit<std::string> wipe_text{text};
  text.push_back('\n');
  return write_file_atomic(path_of(kind, name), as_bytes(text), 0600);
}

Result<crypto::Ed25519SecretKey> Keystore::load(KeyKind kind, const std::string& name) const {
  const std::string path = path_of(kind, name);
  // As ssh does with private keys: a seed others can read may be known to them, so it is not
  // used until its mode says it is ours alone.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return error(ErrorCode::kVerification,
                 path + " is readable or writable by others (mode " + mode +
                     "): not used; make it private with `chmod 600 " + path + "`");
  }
  Result<Bytes> data = read_small_file(path, 256);
  if (!data) {
    if (data.status().code() == ErrorCode::kNotFound) {
      return error(ErrorCode::kNotFound,
                   std::string("no secret key for the ") + kind_name(kind) + " '" + name + "'");
    }
    return data.status();
  }
  Bytes& bytes = *data;
  WipeOnExit<Bytes> wipe_bytes{bytes};
  std::string_view text = as_chars(bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  crypto::Ed25519Seed seed{};
  WipeOnExit<crypto::Ed25519Seed> wipe_seed{seed};
  if (!seed_from_hex(text, seed))
    return error(ErrorCode::kCorrupt, path + ": not a 64-hex-digit Ed25519 seed");
  return crypto::Ed25519SecretKey::from_seed(seed);
}

Status Keystore::remove(KeyKind kind, const std::string& name) const {
  const std::string path = path_of(kind, name);
  if (fs::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error(path, errno);
  return Status::ok();
}

}  // namespace osier::node
