// Drop import end to end into a fresh LmdbStore: 100,000 small entries, and one 1 GiB payload
// (run with --benchmark_filter=Gib; it needs ~4 GiB of disk under $TMPDIR). The drop file is
// built first; the import then runs alone in a fresh process (this binary again, with
// --import-child), so its peak resident memory (ru_maxrss from wait4) is the import's own, not
// that of building and exporting the source store. Reports entries/s, MiB/s, the child's CPU
// time and peak RSS. A forked child starts with its parent's resident pages counted, so the
// parent returns its free heap first and reports what it still had (rss_at_fork_MiB): the
// child's figure is its own whenever it is larger than that.
//
// `drop_bench --write-drops DIR` only writes DIR/small.drop and DIR/big.drop (for measuring
// `osier drop import` itself, docs/benchmarks.md "Drops").
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "osier/base/file.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/drop/drop_reader.hpp"
#include "osier/drop/drop_writer.hpp"
#include "osier/meadowcap/communal_capability.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/store/authoriser.hpp"
#include "store/lmdb_store.hpp"

namespace osier::drop {
namespace {

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "osier-dropbench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

std::unique_ptr<store::LmdbStore> open_store(const std::string& dir) {
  store::LmdbStoreOptions opts;
  opts.sync_commits = false;
  return std::move(store::LmdbStore::open(dir, opts).value());
}

store::AuthorisedEntry sign(const crypto::Ed25519SecretKey& key, model::Path path,
                            std::uint64_t length, const model::PayloadDigest& digest) {
  model::Entry e;
  e.namespace_id = meadowcap::default_namespace_id();
  e.subspace_id = key.public_key();
  e.path = std::move(path);
  e.timestamp = 1;
  e.payload_length = length;
  e.payload_digest = digest;
  auto cap = meadowcap::CommunalCapability::create(meadowcap::AccessMode::kWrite, e.namespace_id,
                                                   key.public_key());
  auto a = meadowcap::AuthorisedEntry::sign(e, cap, key).value();
  return {e, store::encode_token_bytes(a.token()).value()};
}

// The import alone, in this process: what --import-child runs. 0 on success.
int import_child(const std::string& drop_file, const std::string& target,
                 const std::string& staging, std::uint64_t expected_entries) {
  auto store = open_store(target);
  auto file = File::open_read(drop_file).value();
  ImportOptions opts;
  opts.staging_parent = staging;
  auto stats = import_drop(*store, file.source(), opts);
  if (!stats.is_ok()) {
    std::fprintf(stderr, "import failed: %s\n", stats.status().message().c_str());
    return 1;
  }
  if (stats->entries != expected_entries) {
    std::fprintf(stderr, "imported %llu entries, expected %llu\n",
                 static_cast<unsigned long long>(stats->entries),
                 static_cast<unsigned long long>(expected_entries));
    return 1;
  }
  return 0;
}

struct ChildImport {
  bool ok = false;
  double wall_s = 0;
  double cpu_s = 0;
  double peak_rss_mib = 0;
  double rss_at_fork_mib = 0;  // this process's, which the child's count starts from
};

double current_rss_mib() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1 << 20);
}

// Runs import_child in a fresh process (this binary, re-executed) and measures it.
ChildImport run_import_child(const std::string& drop_file, const std::string& target,
                             const std::string& staging, std::uint64_t expected_entries) {
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {self,   "--import-child", drop_file,
                                   target, staging,          std::to_string(expected_entries)};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::malloc_trim(0);
  ChildImport r;
  r.rss_at_fork_mib = current_rss_mib();
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  if (pid < 0 || ::wait4(pid, &status, 0, &ru) != pid) return r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  r.cpu_s = secs(ru.ru_utime) + secs(ru.ru_stime);
  r.peak_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
  return r;
}

void run_import(benchmark::State& state, const std::string& drop_file, std::uint64_t entries,
                std::uint64_t bytes, const std::string& dir) {
  ChildImport last;
  for (auto _ : state) {
    const std::string target = dir + "/target" + std::to_string(state.iterations());
    last = run_import_child(drop_file, target, dir, entries);
    if (!last.ok) state.SkipWithError("import failed");
    state.SetIterationTime(last.wall_s);
    std::filesystem::remove_all(target);
  }
  // Rates of the child's wall time (Counter::kIsRate would divide by this process's CPU time).
  state.counters["entries/s"] = last.wall_s > 0 ? static_cast<double>(entries) / last.wall_s : 0;
  state.counters["MiB/s"] =
      last.wall_s > 0 ? static_cast<double>(bytes) / (1 << 20) / last.wall_s : 0;
  state.counters["child_cpu_s"] = last.cpu_s;
  state.counters["peak_rss_MiB"] = last.peak_rss_mib;
  state.counters["rss_at_fork_MiB"] = last.rss_at_fork_mib;
}

constexpr std::uint64_t kSmallEntries = 100000;
constexpr std::uint64_t kBigLength = std::uint64_t{1} << 30;

// DIR/small.drop: 100,000 entries with 16-byte payloads (source store in DIR/source-small).
std::string write_small_drop(const std::string& dir) {
  const std::uint64_t n = kSmallEntries;
  {
    auto src = open_store(dir + "/source-small");
    const auto key = crypto::Ed25519SecretKey::generate();
    std::vector<store::AuthorisedEntry> batch;
    std::vector<Bytes> payloads;
    for (std::uint64_t i = 0; i < n; ++i) {
      Bytes p(16);
      for (std::size_t j = 0; j < p.size(); ++j) p[j] = static_cast<std::uint8_t>(i >> (j % 8));
      auto ob = crypto::bab_outboard(p).value();
      batch.push_back(sign(key, model::Path::from_strings({"e", std::to_string(i)}).value(),
                           p.size(), ob.digest));
      payloads.push_back(std::move(p));
      if (batch.size() == 1000 || i + 1 == n) {
        (void)src->ingest_batch(batch, store::Trust::kAlreadyVerified).value();
        for (std::size_t k = 0; k < batch.size(); ++k) {
          const auto& e = batch[k].entry;
          (void)src->write_payload(e.namespace_id, e.subspace_id, e.path,
                                   memory_source(payloads[k]));
        }
        batch.clear();
        payloads.clear();
      }
    }
    auto out = File::create(dir + "/small.drop").value();
    model::AreaOfInterest aoi{model::Area::full(), model::AreaOfInterest::kNoLimit,
                              model::AreaOfInterest::kNoLimit};
    (void)export_drop(*src, meadowcap::default_namespace_id(), aoi, out.sink()).value();
    (void)out.close();
  }
  std::filesystem::remove_all(dir + "/source-small");
  return dir + "/small.drop";
}

void BM_DropImport100kSmallEntries(benchmark::State& state) {
  const std::string dir = temp_dir();
  const std::string drop = write_small_drop(dir);
  const std::uint64_t size = std::filesystem::file_size(drop);
  run_import(state, drop, kSmallEntries, size, dir);
  state.counters["drop_MiB"] = static_cast<double>(size) / (1 << 20);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DropImport100kSmallEntries)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

// DIR/big.drop: one entry with a 1 GiB pseudo-random payload (source store in DIR/source-big).
std::string write_big_drop(const std::string& dir) {
  const std::uint64_t len = kBigLength;
  {
    auto src = open_store(dir + "/source-big");
    const auto key = crypto::Ed25519SecretKey::generate();
    // The payload: a cheap pseudo-random stream, hashed once for its digest, then written.
    auto piece = [](std::uint64_t at, Bytes& buf) {
      std::mt19937_64 rng(at);
      for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
        const std::uint64_t v = rng();
        std::memcpy(buf.data() + i, &v, 8);
      }
    };
    Bytes buf(std::size_t{1} << 20);
    crypto::BabOutboardBuilder hasher([](ByteView) { return Status::ok(); });
    for (std::uint64_t at = 0; at < len; at += buf.size()) {
      piece(at, buf);
      (void)hasher.update(buf);
    }
    const auto digest = hasher.finish().value();
    const auto ae = sign(key, model::Path::from_strings({"big"}).value(), len, digest);
    (void)src->ingest(ae).value();
    std::uint64_t at = 0;
    std::size_t used = buf.size();  // of buf, which holds the bytes before `at`
    (void)src
        ->write_payload(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                        [&](MutableByteView out) -> Result<std::size_t> {
                          if (used == buf.size()) {
                            if (at == len) return std::size_t{0};
                            piece(at, buf);
                            at += buf.size();
                            used = 0;
                          }
                          const std::size_t n = std::min(out.size(), buf.size() - used);
                          std::memcpy(out.data(), buf.data() + used, n);
                          used += n;
                          return n;
                        })
        .value();
    auto out = File::create(dir + "/big.drop").value();
    model::AreaOfInterest aoi{model::Area::full(), model::AreaOfInterest::kNoLimit,
                              model::AreaOfInterest::kNoLimit};
    (void)export_drop(*src, meadowcap::default_namespace_id(), aoi, out.sink()).value();
    (void)out.close();
  }
  std::filesystem::remove_all(dir + "/source-big");
  return dir + "/big.drop";
}

void BM_DropImportOneGibPayload(benchmark::State& state) {
  const std::string dir = temp_dir();
  const std::string drop = write_big_drop(dir);
  run_import(state, drop, 1, kBigLength, dir);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DropImportOneGibPayload)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

}  // namespace
}  // namespace osier::drop

int main(int argc, char** argv) {
  if (argc == 6 && std::strcmp(argv[1], "--import-child") == 0) {
    return osier::drop::import_child(argv[2], argv[3], argv[4],
                                     std::strtoull(argv[5], nullptr, 10));
  }
  if (argc == 3 && std::strcmp(argv[1], "--write-drops") == 0) {
    std::filesystem::create_directories(argv[2]);
    std::printf("%s\n", osier::drop::write_small_drop(argv[2]).c_str());
    std::printf("%s\n", osier::drop::write_big_drop(argv[2]).c_str());
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
