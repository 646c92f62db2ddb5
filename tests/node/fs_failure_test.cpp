// Injected file-system failures (base/fs.hpp) during a put (of a new entry, and over an old one
// whose payload files go) and during a drop import: every
// open, write, sync, rename, remove and mkdir the operation makes is failed in turn, with EIO
// and with ENOSPC, each on a fresh copy of one home. Whatever fails, the operation either
// reports the error (kIo, or kResourceExhausted saying "disk full" for ENOSPC) and the home is
// exactly as before — the same entries, the same payload files, nothing left in staging or
// tmp — or, when only a cleanup after the commit failed, reports success with the whole new
// state. After each run the store is reopened and deep-checked (every payload against its
// digest). LMDB's own writes are not in the seam (base/fs.hpp says why).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/fs.hpp"
#include "osier/base/file.hpp"
#include "osier/drop/drop_reader.hpp"
#include "osier/drop/drop_writer.hpp"
#include "osier/node/home.hpp"
#include "osier/node/home_paths.hpp"
#include "osier/node/node.hpp"
#include "store/lmdb_store.hpp"
#include "support/temp_dir.hpp"

namespace osier::node {
namespace {

using Op = fs::Op;
namespace stdfs = std::filesystem;

constexpr Op kOps[] = {Op::kOpen, Op::kWrite, Op::kSync, Op::kRename, Op::kRemove, Op::kMkdir};
constexpr model::Timestamp kTime = 1'700'000'000'000'000;

Bytes pseudo_random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

void write_bytes(const std::string& path, ByteView data) {
  Result<File> f = File::create(path);
  ASSERT_TRUE(f) << f.status().to_string();
  ASSERT_TRUE(f->append(data));
  ASSERT_TRUE(f->close());
}

model::NamespaceId communal_namespace() {
  for (;;) {
    crypto::Ed25519SecretKey k = crypto::Ed25519SecretKey::generate();
    if (model::is_communal(k.public_key())) return k.public_key();
  }
}

// A home, its store and the node over both.
struct Opened {
  std::unique_ptr<Home> home;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Node> node;
};

Result<Opened> open_home(const HomePaths& paths) {
  Opened o;
  OSIER_ASSIGN_OR_RETURN(o.home, Home::open(paths));
  OSIER_ASSIGN_OR_RETURN(o.store, open_home_store(paths, false));
  o.node = std::make_unique<Node>(*o.home, *o.store);
  return o;
}

// What a home's store holds, and which of the home's files exist (LMDB's own files aside:
// their bytes are not ours to compare).
struct HomeState {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> entries;  // path: length, held
  std::set<std::string> files;

  bool operator==(const HomeState&) const = default;
};

std::string describe(const HomeState& s) {
  std::string out = "entries:";
  for (const auto& [path, lengths] : s.entries) {
    out += " " + path + "(" + std::to_string(lengths.second) + "/" + std::to_string(lengths.first) +
           ")";
  }
  out += "; files:";
  for (const auto& f : s.files) out += " " + f;
  return out;
}

class FsFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = communal_namespace();
    alice_ = crypto::Ed25519SecretKey::generate();
    // The home every run starts from: alice's identity and one entry with a payload in a file.
    template_ = HomePaths{dir_.sub("template")};
    make_home(template_);
    put_file(template_, {"keep"}, pseudo_random_bytes(40000, 1));
    // The put's payload (in a file in the store) and a drop of two entries (one payload inline,
    // one in a file), exported from another home.
    payload_file_ = dir_.sub("new.bin");
    write_bytes(payload_file_, pseudo_random_bytes(100000, 2));
    const HomePaths source{dir_.sub("source")};
    make_home(source);
    put_file(source, {"drop", "small"}, pseudo_random_bytes(500, 3));
    put_file(source, {"drop", "big"}, pseudo_random_bytes(70000, 4));
    drop_file_ = dir_.sub("in.drop");
    {
      auto n = open_home(source);
      ASSERT_TRUE(n);
      Result<File> out = File::create(drop_file_);
      ASSERT_TRUE(out);
      model::AreaOfInterest aoi;
      aoi.area = model::Area::full();
      ASSERT_TRUE(drop::export_drop(*n->store, ns_, aoi, out->sink()));
      ASSERT_TRUE(out->close());
    }
    old_ = state_of(template_.root);
  }

  void make_home(const HomePaths& home) {
    ASSERT_TRUE(init_home(home));
    auto h = Home::open(home);
    ASSERT_TRUE(h);
    ASSERT_TRUE((*h)->keys().save(KeyKind::kIdentity, "alice", alice_));
    ASSERT_TRUE((*h)->update_names(
        [&](Aliases& a) { return a.add(uri::IdKind::kSubspace, "alice", alice_.public_key()); }));
  }

  uri::EntryUri at(std::initializer_list<std::string_view> path) const {
    return uri::EntryUri{ns_, alice_.public_key(), *model::Path::from_strings(path), {}, {}, {}, {},
                         {}};
  }

  void put_file(const HomePaths& home, std::initializer_list<std::string_view> path,
                const Bytes& payload) {
    const std::string file = dir_.sub("payload.tmp");
    write_bytes(file, payload);
    auto n = open_home(home);
    ASSERT_TRUE(n);
    PutOptions opts;
    opts.timestamp = kTime;
    Result<PutResult> r = n->node->put(at(path), file, opts);
    ASSERT_TRUE(r) << r.status().to_string();
  }

 public:
  // The operations under test, each on the home at `root`, opening it first (opening is part of
  // what may fail).
  Status put(const std::string& root) {
    OSIER_ASSIGN_OR_RETURN(Opened n, open_home(HomePaths{root}));
    PutOptions opts;
    opts.timestamp = kTime + 1;
    Result<PutResult> r = n.node->put(at({"new"}), payload_file_, opts);
    return r ? Status::ok() : r.status();
  }

  // A put over /keep: the old entry is pruned and its payload files removed after the commit.
  Status overwrite(const std::string& root) {
    OSIER_ASSIGN_OR_RETURN(Opened n, open_home(HomePaths{root}));
    PutOptions opts;
    opts.timestamp = kTime + 1;
    Result<PutResult> r = n.node->put(at({"keep"}), payload_file_, opts);
    return r ? Status::ok() : r.status();
  }

  Status import(const std::string& root) {
    const HomePaths home{root};
    OSIER_ASSIGN_OR_RETURN(Opened n, open_home(home));
    OSIER_ASSIGN_OR_RETURN(File in, File::open_read(drop_file_));
    drop::ImportOptions opts;
    opts.staging_parent = home.tmp();
    Result<drop::ImportStats> r = drop::import_drop(*n.store, in.source(), opts);
    return r ? Status::ok() : r.status();
  }

 protected:
  HomeState state_of(const std::string& root) {
    HomeState out;
    std::error_code ec;
    for (auto it = stdfs::recursive_directory_iterator(root, ec);
         !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const std::string rel = stdfs::relative(it->path(), root).string();
      if (rel == "store/data.mdb" || rel == "store/lock.mdb") continue;
      out.files.insert(rel);
    }
    EXPECT_FALSE(ec) << ec.message();
    // Reopened without the injector: the store must pass a deep check (every payload byte
    // against its digest, every token) whatever the failed run left.
    auto n = open_home(HomePaths{root});
    EXPECT_TRUE(n);
    if (!n) return out;
    store::Store* const s = n->store.get();
    const Status checked = s->check_deep();
    EXPECT_TRUE(checked) << checked.to_string();
    EXPECT_TRUE(
        s->query_area(ns_, model::Area::full(), {}, [&](const store::LengthyAuthorisedEntry& e) {
          const model::Entry& entry = e.authorised.entry;
          std::string path;
          for (std::size_t i = 0; i < entry.path.component_count(); ++i)
            path += "/" + std::string(as_chars(entry.path.component(i)));
          out.entries[path] = {entry.payload_length, e.available};
          return true;
        }));
    return out;
  }

  // What the home holds once its store's writer has swept what failed removals left.
  HomeState swept(const std::string& root) {
    {
      auto n = open_home(HomePaths{root});
      EXPECT_TRUE(n);
      if (!n) return {};
      auto* s = dynamic_cast<store::LmdbStore*>(n->store.get());
      EXPECT_NE(s, nullptr);
      if (s == nullptr) return {};
      EXPECT_TRUE(s->sweep());
    }
    return state_of(root);
  }

  using Operation = Status (FsFailure::*)(const std::string&);

  // Runs `op` on a fresh copy of the template with the k-th call of `kind` failing with `err`
  // (k = 0: nothing fails); returns what the operation said and what the injector saw.
  struct Run {
    Status status;
    bool fired = false;
    std::map<Op, std::uint64_t> calls;
    std::string root;
  };
  Run run(Operation op, Op kind, std::uint64_t k, int err) {
    Run out;
    out.root = dir_.sub("run" + std::to_string(++runs_));
    stdfs::copy(template_.root, out.root, stdfs::copy_options::recursive);
    {
      fs::FaultInjector inject;
      if (k > 0) inject.fail(kind, k, err);
      out.status = (this->*op)(out.root);
      out.fired = inject.fired();
      for (Op o : kOps) out.calls[o] = inject.calls(o);
    }
    return out;
  }

  // The whole test for one operation: a clean run to count the calls and see the new state,
  // then one run per (kind, k, errno). Returns how many runs failed a call.
  int fail_every_call(Operation op) {
    const auto started = std::chrono::steady_clock::now();
    const Run clean = run(op, Op::kOpen, 0, 0);
    EXPECT_TRUE(clean.status) << clean.status.to_string();
    const HomeState fresh = state_of(clean.root);
    EXPECT_NE(fresh, old_);
    int failed_runs = 0;
    int succeeded = 0;   // of those, the runs whose failure came after the commit
    int left_files = 0;  // of those, the runs that left files for the next writer to sweep
    for (Op kind : kOps) {
      EXPECT_TRUE(kind == Op::kMkdir || clean.calls.at(kind) > 0) << fs::op_name(kind);
      for (std::uint64_t k = 1; k <= clean.calls.at(kind); ++k) {
        for (int err : {EIO, ENOSPC}) {
          SCOPED_TRACE(std::string(fs::op_name(kind)) + " #" + std::to_string(k) + " fails with " +
                       (err == EIO ? "EIO" : "ENOSPC"));
          const Run r = run(op, kind, k, err);
          EXPECT_TRUE(r.fired);
          ++failed_runs;
          const HomeState after = state_of(r.root);
          if (r.status) {
            // Only a cleanup after the commit failed: the whole new state. A file the clean run
            // did not leave is allowed only when a removal failed, and only if it is a payload
            // file without a record, which the next writer sweeps (docs/formats.md).
            EXPECT_EQ(after.entries, fresh.entries) << describe(after);
            ++succeeded;
            if (after.files != fresh.files) {
              ++left_files;
              EXPECT_EQ(kind, Op::kRemove) << describe(after);
              EXPECT_TRUE(std::includes(after.files.begin(), after.files.end(), fresh.files.begin(),
                                        fresh.files.end()))
                  << describe(after);
              EXPECT_EQ(swept(r.root), fresh) << describe(fresh);
            }
          } else {
            const ErrorCode want = err == ENOSPC ? ErrorCode::kResourceExhausted : ErrorCode::kIo;
            EXPECT_EQ(r.status.code(), want) << r.status.to_string();
            if (err == ENOSPC) {
              EXPECT_NE(r.status.message().find("disk full"), std::string::npos)
                  << r.status.to_string();
            }
            EXPECT_EQ(after, old_) << r.status.to_string() << "\nafter: " << describe(after)
                                   << "\nbefore: " << describe(old_);
          }
          std::error_code ec;
          stdfs::remove_all(r.root, ec);
        }
      }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    std::string counts;
    for (Op kind : kOps) {
      counts += std::string(" ") + fs::op_name(kind) + "=" + std::to_string(clean.calls.at(kind));
    }
    std::printf(
        "calls:%s; %d failing runs (%d reported success, %d left files to sweep) in %lld ms\n",
        counts.c_str(), failed_runs, succeeded, left_files, static_cast<long long>(ms));
    return failed_runs;
  }

  osier::testing::TempDir dir_;
  model::NamespaceId ns_{};
  crypto::Ed25519SecretKey alice_ = crypto::Ed25519SecretKey::generate();
  HomePaths template_;
  std::string payload_file_;
  std::string drop_file_;
  HomeState old_;
  int runs_ = 0;
};

TEST_F(FsFailure, EveryFailedCallOfAPutLeavesTheHomeAsItWas) {
  EXPECT_GT(fail_every_call(&FsFailure::put), 0);
}

TEST_F(FsFailure, EveryFailedCallOfAnOverwriteLeavesTheHomeAsItWas) {
  EXPECT_GT(fail_every_call(&FsFailure::overwrite), 0);
}

TEST_F(FsFailure, EveryFailedCallOfADropImportLeavesTheHomeAsItWas) {
  EXPECT_GT(fail_every_call(&FsFailure::import), 0);
}

}  // namespace
}  // namespace osier::node
