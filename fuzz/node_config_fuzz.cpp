// A home's configuration files, which anyone who can write the home may have edited: the input
// is written as HOME/config/peers, HOME/config/policies and HOME/config/acks (the same bytes as
// each) and each is loaded. Never a crash; either kCorrupt naming the file, or a value that, saved
// through the file's own writer, loads back as the value expected (peers: remove_peer and
// add_peer of the first; policies: set_policy of the first; acks: save_acks of the whole table).
// The home is made once per process, on tmpfs when there is one (the writers fsync); the
// writers run only for a non-empty value.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "node/acks.hpp"
#include "osier/node/home_paths.hpp"
#include "osier/node/peers.hpp"
#include "osier/node/policies.hpp"

namespace {

using namespace osier;
using namespace osier::node;

void check(bool ok) {
  if (!ok) std::abort();
}

// A load's error: kCorrupt, naming the file.
void check_corrupt(const Status& st, const std::string& file) {
  check(st.code() == ErrorCode::kCorrupt && st.message().find(file) != std::string::npos);
}

// A writer's error: the value cannot be written back as it is (kOutOfRange: the peer list's
// document would exceed its size limit printed with indentation). Nothing else is expected.
void check_write(const Status& st) { check(st.is_ok() || st.code() == ErrorCode::kOutOfRange); }

void write_plain(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  check(static_cast<bool>(out.flush()));
}

struct TempHome {
  HomePaths paths;
  TempHome() {
    const char* base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string dir = std::string(base) + "/osier-node-config-fuzz-XXXXXX";
    check(::mkdtemp(dir.data()) != nullptr);
    paths.root = dir + "/home";
    check(init_home(paths).is_ok());
  }
  ~TempHome() {
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(paths.root).parent_path(), ec);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
};

const HomePaths& home() {
  static const TempHome h;
  return h.paths;
}

std::vector<std::string> addresses(const std::vector<PeerEntry>& peers) {
  std::vector<std::string> out;
  for (const PeerEntry& p : peers) out.push_back(p.address.to_string());
  return out;
}

void fuzz_peers(std::string_view bytes) {
  write_plain(home().peers(), bytes);
  Result<std::vector<PeerEntry>> loaded = load_peers(home());
  if (!loaded) return check_corrupt(loaded.status(), home().peers());
  if (loaded->empty()) return;
  // The first goes to the end: the rest keep their order (duplicates were one peer already).
  std::vector<std::string> expected = addresses(*loaded);
  expected.push_back(expected.front());
  expected.erase(expected.begin());
  const net::Endpoint first = loaded->front().address;
  const Status removed = remove_peer(home(), first);
  check_write(removed);
  if (!removed) return;
  const Status added = add_peer(home(), first);
  check_write(added);
  if (!added) return;
  Result<std::vector<PeerEntry>> again = load_peers(home());
  check(again.is_ok() && addresses(*again) == expected);
}

void fuzz_policies(std::string_view bytes) {
  const std::string file = home().config() + "/policies";
  write_plain(file, bytes);
  Result<Policies> loaded = load_policies(home());
  if (!loaded) return check_corrupt(loaded.status(), file);
  if (loaded->empty()) return;
  Policies expected = *loaded;
  const auto [ns, policy] = *loaded->begin();
  if (policy == NamespacePolicy{}) expected.erase(ns);  // the default is no record
  check(set_policy(home(), ns, policy).is_ok());
  Result<Policies> again = load_policies(home());
  check(again.is_ok() && *again == expected);
}

void fuzz_acks(std::string_view bytes) {
  const std::string file = acks_path(home());
  write_plain(file, bytes);
  Result<AckTable> loaded = load_acks(home());
  if (!loaded) return check_corrupt(loaded.status(), file);
  if (loaded->empty()) return;
  check(save_acks(home(), *loaded).is_ok());
  Result<AckTable> again = load_acks(home());
  check(again.is_ok() && *again == *loaded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fuzz_peers(bytes);
  fuzz_policies(bytes);
  fuzz_acks(bytes);
  return 0;
}
