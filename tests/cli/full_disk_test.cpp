// A full disk, end to end: the real binary (OSIER_BINARY) runs under an RLIMIT_FSIZE limit, so
// every write past the limit fails with EFBIG exactly where a full disk fails with ENOSPC (no
// root needed). Each failing command must print one line naming the problem, exit nonzero, and
// leave the home as it was: the same `osier ls --json`, a passing `osier store check`, the same
// files (no stray temporary files in store/, store/payloads/, tmp/, keys/ or config/).
// When the machine allows it (root, mount namespaces), one case uses a real full tmpfs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "osier/base/file.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/drop/drop_writer.hpp"
#include "osier/meadowcap/communal_capability.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace osier {
namespace {

using CliRun = testing::ProcessResult;
namespace fs = std::filesystem;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// What a failed command must not change.
struct HomeState {
  std::string listing;          // osier ls --json
  std::set<std::string> files;  // every path under the home (sizes of LMDB files may change)
  std::string aliases;          // config/aliases
};

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(s.substr(start, nl - start));
  }
  return out;
}

// Compares, reporting only what differs (listings may have thousands of lines).
void expect_same(const HomeState& before, const HomeState& after) {
  std::vector<std::string> a = lines_of(before.listing), b = lines_of(after.listing);
  std::vector<std::string> gone, added;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(gone));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(added));
  EXPECT_TRUE(gone.empty()) << gone.size() << " entries gone, e.g. " << gone.front();
  EXPECT_TRUE(added.empty()) << added.size() << " entries added, e.g. " << added.front();
  EXPECT_TRUE(before.listing == after.listing) << "listing changed (order or fields)";
  std::vector<std::string> files_gone, files_added;
  std::set_difference(before.files.begin(), before.files.end(), after.files.begin(),
                      after.files.end(), std::back_inserter(files_gone));
  std::set_difference(after.files.begin(), after.files.end(), before.files.begin(),
                      before.files.end(), std::back_inserter(files_added));
  EXPECT_EQ(files_gone, std::vector<std::string>{}) << "files gone";
  EXPECT_EQ(files_added, std::vector<std::string>{}) << "files added";
  EXPECT_EQ(before.aliases, after.aliases);
}

class FullDisk : public ::testing::Test {
 protected:
  // Runs `osier args... --home HOME` (HOME: the test's home unless `home` is given).
  CliRun osier(std::vector<std::string> args, std::optional<std::uint64_t> limit = std::nullopt,
               const std::string& input = "", const std::string& home = "") {
    args.insert(args.begin(), OSIER_BINARY);
    args.push_back("--home");
    args.push_back(home.empty() ? home_ : home);
    testing::RunOptions opts;
    opts.file_size_limit = limit;
    return testing::run_process(std::move(args), input, opts);
  }
  CliRun ok(const std::vector<std::string>& args, const std::string& home = "") {
    CliRun r = osier(args, std::nullopt, "", home);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return r;
  }
  // Runs under `limit` and expects a clean full-disk failure: nonzero exit, one line on stderr
  // naming the problem.
  CliRun fails_full(const std::vector<std::string>& args, std::uint64_t limit,
                    const std::string& input = "", const std::string& home = "") {
    CliRun r = osier(args, limit, input, home);
    EXPECT_NE(r.exit_code, 0) << args[0] << " succeeded under a " << limit << "-byte limit";
    EXPECT_NE(r.exit_code, -1) << args[0] << " was killed (SIGXFSZ?)";
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("disk full ("), std::string::npos) << r.err;
    EXPECT_EQ(r.err.rfind("osier ", 0), 0u) << r.err;
    return r;
  }

  HomeState state(const std::string& home = "") {
    const std::string h = home.empty() ? home_ : home;
    HomeState s;
    s.listing = ok({"ls", "--json"}, h).out;
    const CliRun check = ok({"store", "check"}, h);
    EXPECT_EQ(check.err, "");
    std::error_code ec;
    for (fs::recursive_directory_iterator it(h, ec), end; !ec && it != end; it.increment(ec)) {
      s.files.insert(fs::relative(it->path(), h).string());
    }
    s.aliases = slurp(h + "/config/aliases");
    return s;
  }
  void expect_no_temporaries(const std::string& home = "") {
    const std::string h = home.empty() ? home_ : home;
    EXPECT_TRUE(fs::is_empty(h + "/tmp")) << "files left in " << h << "/tmp";
    for (const auto& e : fs::recursive_directory_iterator(h)) {
      const std::string name = e.path().filename().string();
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << e.path();
      EXPECT_EQ(name.find(".partial"), std::string::npos) << e.path();
    }
  }

  std::string write_file(const std::string& name, std::uint64_t size) {
    const std::string path = dir_.sub(name);
    std::ofstream f(path, std::ios::binary);
    for (std::uint64_t i = 0; i < size; ++i) f.put(static_cast<char>((i * 7919u) >> 5));
    return path;
  }

  // init, identity alice, communal namespace fam with a small and a 64 KiB (file) payload.
  void basic(const std::string& home = "") {
    ok({"init"}, home);
    ok({"id", "new", "alice"}, home);
    ok({"ns", "new", "fam", "--communal"}, home);
    ok({"put", "willow://fam.alice/notes/hi", write_file("hi.txt", 12)}, home);
    ok({"put", "willow://fam.alice/media/pic", write_file("pic.bin", 64 * kKiB)}, home);
  }

  // A drop of `count` entries (paths prefix/0, prefix/1, ...) in the default communal namespace,
  // each with a payload of `payload_size` bytes, built in-process (thousands of `osier put`
  // would be slow).
  std::string entries_drop(const std::string& name, const std::string& prefix, int count,
                           std::size_t payload_size = 0) {
    const std::string store_dir = dir_.sub(name + ".store");
    store::LmdbStoreOptions so;
    so.sync_commits = false;
    auto src = store::LmdbStore::open(store_dir, so);
    EXPECT_TRUE(src.is_ok());
    const auto key = crypto::Ed25519SecretKey::generate();
    const auto cap = meadowcap::CommunalCapability::create(
        meadowcap::AccessMode::kWrite, meadowcap::default_namespace_id(), key.public_key());
    std::vector<store::AuthorisedEntry> entries;
    for (int i = 0; i < count; ++i) {
      model::Entry e;
      e.namespace_id = meadowcap::default_namespace_id();
      e.subspace_id = key.public_key();
      e.path = model::Path::from_strings({prefix, std::to_string(i)}).value();
      e.timestamp = 1000 + static_cast<model::Timestamp>(i);
      e.payload_length = payload_size;
      e.payload_digest = crypto::william3(payload(i, payload_size));
      auto signed_entry = meadowcap::AuthorisedEntry::sign(e, cap, key).value();
      entries.push_back({e, store::encode_token_bytes(signed_entry.token()).value()});
    }
    EXPECT_TRUE((*src)->ingest_batch(entries, store::Trust::kAlreadyVerified).is_ok());
    for (int i = 0; payload_size > 0 && i < count; ++i) {
      const model::Entry& e = entries[static_cast<std::size_t>(i)].entry;
      Bytes bytes = payload(i, payload_size);
      auto st = (*src)->write_payload(e.namespace_id, e.subspace_id, e.path, memory_source(bytes));
      EXPECT_TRUE(st.is_ok() && st->complete());
    }
    const std::string path = dir_.sub(name);
    auto out = File::create(path).value();
    const model::AreaOfInterest aoi{model::Area::full(), model::AreaOfInterest::kNoLimit,
                                    model::AreaOfInterest::kNoLimit};
    auto stats = drop::export_drop(**src, meadowcap::default_namespace_id(), aoi, out.sink());
    EXPECT_TRUE(stats.is_ok() && stats->entries == static_cast<std::uint64_t>(count));
    EXPECT_TRUE(out.close().is_ok());
    return path;
  }

  static Bytes payload(int i, std::size_t size) {
    Bytes b(size);
    for (std::size_t j = 0; j < size; ++j)
      b[j] = static_cast<std::uint8_t>(i * 31 + static_cast<int>(j >> 4));
    return b;
  }

  testing::TempDir dir_;
  std::string home_ = dir_.sub("home");
};

TEST_F(FullDisk, PutOfALargePayloadAtANewPath) {
  basic();
  const HomeState before = state();
  // Payloads over 16 KiB go to files beside LMDB: the payload file hits the limit.
  fails_full({"put", "willow://fam.alice/media/big", write_file("big.bin", 1 * kMiB)}, 256 * kKiB);
  expect_same(before, state());
  expect_no_temporaries();
}

TEST_F(FullDisk, PutFromStandardInput) {
  basic();
  const HomeState before = state();
  // Standard input is spooled to tmp/ first: the spool file hits the limit.
  fails_full({"put", "willow://fam.alice/media/piped", "-"}, 256 * kKiB,
             std::string(1 * kMiB, 'x'));
  expect_same(before, state());
  expect_no_temporaries();
}

// The new entry prunes the old one; the payload write fails, and the old entry must still be
// there (Store::ingest_with_payload: entry and payload commit together or not at all).
TEST_F(FullDisk, PutOverAnExistingEntryKeepsTheOldOne) {
  basic();
  const HomeState before = state();
  fails_full({"put", "willow://fam.alice/media/pic", write_file("big.bin", 1 * kMiB)}, 256 * kKiB);
  expect_same(before, state());
  expect_no_temporaries();
}

TEST_F(FullDisk, DropImportStagingHitsTheLimit) {
  const std::string src = dir_.sub("src");
  basic(src);
  ok({"put", "willow://fam.alice/media/big", write_file("big.bin", 1 * kMiB)}, src);
  ok({"drop", "export", "fam", "-o", dir_.sub("fam.drop")}, src);
  basic();
  const HomeState before = state();
  // The verify pass stages the drop's payloads in tmp/: the staging file hits the limit.
  fails_full({"drop", "import", dir_.sub("fam.drop")}, 256 * kKiB);
  expect_same(before, state());
  expect_no_temporaries();
}

TEST_F(FullDisk, DropExportOutputHitsTheLimit) {
  basic();
  ok({"put", "willow://fam.alice/media/big", write_file("big.bin", 1 * kMiB)});
  const HomeState before = state();
  fails_full({"drop", "export", "fam", "-o", dir_.sub("out.drop")}, 256 * kKiB);
  expect_same(before, state());
  EXPECT_FALSE(fs::exists(dir_.sub("out.drop")));
  EXPECT_FALSE(fs::exists(dir_.sub("out.drop.partial")));
  expect_no_temporaries();
}

TEST_F(FullDisk, GetOutputHitsTheLimit) {
  basic();
  ok({"put", "willow://fam.alice/media/big", write_file("big.bin", 1 * kMiB)});
  const HomeState before = state();
  fails_full({"get", "willow://fam.alice/media/big", "-o", dir_.sub("out.bin")}, 256 * kKiB);
  EXPECT_FALSE(fs::exists(dir_.sub("out.bin")));
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(e.path().filename().string().find("out.bin"), std::string::npos) << e.path();
  }
  expect_same(before, state());
}

TEST_F(FullDisk, InitThenInitAgain) {
  // The first file init writes (config/aliases, 3 bytes) already fails.
  ASSERT_FALSE(fs::exists(home_));
  fails_full({"init"}, 1);
  EXPECT_FALSE(fs::exists(home_)) << "a failed init leaves no half-made home";
  // The aliases fit, the LMDB store does not.
  fails_full({"init"}, 4 * kKiB);
  EXPECT_FALSE(fs::exists(home_)) << "a failed init leaves no half-made home";
  // A later init without the limit makes a working home.
  ok({"init"});
  ok({"id", "new", "alice"});
  const HomeState s = state();
  EXPECT_EQ(s.listing, "");
  expect_no_temporaries();
}

TEST_F(FullDisk, IdNewAndNsNewLeaveNoKeyBehind) {
  basic();
  const HomeState before = state();
  // The key file (65 bytes) cannot be written.
  fails_full({"id", "new", "bob"}, 32);
  expect_same(before, state());
  // The key file fits, the grown alias table does not: the key must go again.
  const std::uint64_t aliases_size = fs::file_size(home_ + "/config/aliases");
  ASSERT_GT(aliases_size + 8, 65u);
  fails_full({"id", "new", "bob"}, aliases_size + 8);
  expect_same(before, state());
  fails_full({"ns", "new", "work", "--owned"}, aliases_size + 8);
  expect_same(before, state());
  expect_no_temporaries();
}

// The LMDB data file itself has to grow past the limit; the failed commit must leave the store
// as it was, and readable.
TEST_F(FullDisk, DropImportLmdbCommitHitsTheLimit) {
  ok({"init"});
  // Grow the store first (16,000-byte payloads live inline in LMDB records), so that a limit of
  // its data file's size leaves room for the staging files of the second drop but not for the
  // pages LMDB needs to hold its entries.
  ok({"drop", "import", entries_drop("first.drop", "first", 100, 16000)});
  const HomeState before = state();
  const std::uint64_t data_size = fs::file_size(home_ + "/store/data.mdb");
  // At most 512 entries: the import ingests them in one transaction.
  const std::string second = entries_drop("second.drop", "second", 500);
  ASSERT_LT(fs::file_size(second) * 2, data_size);
  const CliRun r = fails_full({"drop", "import", second}, data_size);
  EXPECT_NE(r.err.find("commit"), std::string::npos) << r.err;
  expect_same(before, state());
  expect_no_temporaries();
  // Still usable: the same import without the limit works.
  ok({"drop", "import", second});
}

// An import of many entries (and payloads) fails late, in the store's commit: everything of it
// is one store change (Store::import), so none of it stays.
TEST_F(FullDisk, DropImportOfManyEntriesFailingLateChangesNothing) {
  ok({"init"});
  ok({"drop", "import", entries_drop("first.drop", "first", 100, 16000)});
  const HomeState before = state();
  const std::uint64_t data_size = fs::file_size(home_ + "/store/data.mdb");
  fails_full({"drop", "import", entries_drop("second.drop", "second", 2000)}, data_size + 1 * kMiB);
  expect_same(before, state());
  expect_no_temporaries();
}

// A real ENOSPC: a 1 MiB tmpfs in a private mount namespace (needs root or user namespaces;
// skipped otherwise).
TEST_F(FullDisk, RealFullTmpfs) {
  const std::string mnt = dir_.sub("mnt");
  fs::create_directories(mnt);
  const std::string big = write_file("big.bin", 2 * kMiB);
  const std::string bin = OSIER_BINARY;
  const std::string home = mnt + "/home";
  const std::string probe =
      testing::run_process({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                            "mount -t tmpfs -o size=1m tmpfs '" + mnt + "' && echo mounted"})
          .out;
  if (probe != "mounted\n") GTEST_SKIP() << "no mount namespace with a tmpfs here";
  // Everything runs in the namespace (the mount is gone afterwards); the script prints the
  // listings and the failing command's output between markers.
  const std::string o = "'" + bin + "'";
  const std::string h = " --home '" + home + "'";
  const std::string script =
      "mount -t tmpfs -o size=1m tmpfs '" + mnt + "' || exit 99\n" + o + " init" + h +
      " >/dev/null || exit 98\n" + o + " id new alice" + h + " >/dev/null || exit 97\n" + o +
      " ns new fam --communal" + h + " >/dev/null || exit 96\n" + o +
      " put willow://fam.alice/a '" + dir_.sub("hi.txt") + "'" + h + " >/dev/null || exit 95\n" +
      "echo @@before; " + o + " ls --json" + h + "\n" + "echo @@put; " + o +
      " put willow://fam.alice/big '" + big + "'" + h + " 2>&1; echo \"@@exit $?\"\n" +
      "echo @@after; " + o + " ls --json" + h + "\n" + o + " store check" + h +
      " >/dev/null 2>&1 || echo @@check-failed\n" + "ls -A '" + home + "/tmp' '" + home +
      "/store/payloads' | grep -e '\\.tmp' -e spool && echo @@stray\n" + "echo @@end\n";
  write_file("hi.txt", 12);
  const CliRun r = testing::run_process(
      {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  const auto between = [&](const std::string& a, const std::string& b) {
    const std::size_t i = out.find(a), j = out.find(b);
    return (i == std::string::npos || j == std::string::npos)
               ? std::string("?")
               : out.substr(i + a.size(), j - i - a.size());
  };
  const std::string put_output = between("@@put\n", "@@exit");
  EXPECT_NE(put_output.find("disk full (no space left on device)"), std::string::npos) << out;
  EXPECT_EQ(std::count(put_output.begin(), put_output.end(), '\n'), 1) << out;
  EXPECT_EQ(out.find("@@exit 0"), std::string::npos) << out;
  EXPECT_NE(between("@@before\n", "@@put").find("\"available\":12"), std::string::npos) << out;
  EXPECT_EQ(between("@@before\n", "@@put"), between("@@after\n", "@@end")) << out;
  EXPECT_EQ(out.find("@@check-failed"), std::string::npos) << out;
  EXPECT_EQ(out.find("@@stray"), std::string::npos) << out;
}

}  // namespace
}  // namespace osier
