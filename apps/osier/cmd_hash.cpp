// osier hash [FILE...|-] [--keyed HEX]: WILLIAM3 digests, one line per input, like b3sum.
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "osier/base/hex.hpp"
#include "osier/crypto/william3.hpp"

namespace osier::cli {
namespace {

struct HashOptions {
  std::vector<std::string> files;
  std::string keyed;
};

// Streams the file through the hasher in fixed-size pieces: memory use does not depend on
// the file's size.
bool hash_stream(std::FILE* f, crypto::William3Hasher& h, std::string& err) {
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n > 0) h.update(ByteView(buf.data(), n));
    if (n < buf.size()) {
      if (std::ferror(f)) {
        err = std::strerror(errno);
        return false;
      }
      return true;
    }
  }
}

void run(const HashOptions& opt) {
  std::optional<crypto::William3Key> key;
  if (!opt.keyed.empty()) {
    key = array_from_hex<32>(opt.keyed);
    if (!key) {
      fmt::print(stderr, "osier hash: --keyed needs exactly 64 hex characters (a 32-byte key)\n");
      set_exit_code(2);
      return;
    }
  }
  std::vector<std::string> files = opt.files;
  if (files.empty()) files.push_back("-");
  int failures = 0;
  for (const std::string& name : files) {
    crypto::William3Hasher h = key ? crypto::William3Hasher(*key) : crypto::William3Hasher();
    std::string err;
    bool ok;
    if (name == "-") {
      ok = hash_stream(stdin, h, err);
    } else {
      std::FILE* f = std::fopen(name.c_str(), "rb");
      if (!f) {
        ok = false;
        err = std::strerror(errno);
      } else {
        ok = hash_stream(f, h, err);
        std::fclose(f);
      }
    }
    if (!ok) {
      fmt::print(stderr, "osier hash: {}: {}\n", name, err);
      ++failures;
      continue;
    }
    auto d = h.finalize();
    fmt::print("{}  {}\n", to_hex(d), name);
  }
  std::fflush(stdout);
  if (failures > 0) set_exit_code(1);
}

}  // namespace

void register_hash(CLI::App& app) {
  auto opt = std::make_shared<HashOptions>();
  CLI::App* cmd =
      app.add_subcommand("hash", "Print the WILLIAM3 digest of files (or stdin), like b3sum");
  cmd->add_option("files", opt->files, "Files to hash; '-' or none reads standard input");
  cmd->add_option("--keyed", opt->keyed, "Keyed mode with this 32-byte key (64 hex characters)");
  cmd->callback([opt] { run(*opt); });
}

}  // namespace osier::cli
