// Drop import end to end into a fresh LmdbStore: 100,000 small entries, and one 1 GiB payload
// (run with --benchmark_filter=Gib; it needs ~4 GiB of disk under $TMPDIR). Reports entries/s,
// MiB/s and the process's peak resident memory (ru_maxrss) after the import.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "crypto/bab_outboard.hpp"
#include "crypto/ed25519.hpp"
#include "drop/byte_io.hpp"
#include "drop/drop_reader.hpp"
#include "drop/drop_writer.hpp"
#include "drop/willow25_defaults.hpp"
#include "meadowcap/communal_capability.hpp"
#include "store/authoriser.hpp"
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
  e.namespace_id = default_namespace_id();
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

long peak_rss_kib() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void run_import(benchmark::State& state, const std::string& drop_file, std::uint64_t entries,
                std::uint64_t bytes, const std::string& dir) {
  for (auto _ : state) {
    state.PauseTiming();
    const std::string target = dir + "/target" + std::to_string(state.iterations());
    auto store = open_store(target);
    auto file = File::open_read(drop_file).value();
    ImportOptions opts;
    opts.staging_parent = dir;
    state.ResumeTiming();
    auto stats = import_drop(*store, file.source(), opts);
    if (!stats.is_ok() || stats->entries != entries) state.SkipWithError("import failed");
    state.PauseTiming();
    store.reset();
    std::filesystem::remove_all(target);
    state.ResumeTiming();
  }
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(entries) * state.iterations(),
                                                   benchmark::Counter::kIsRate);
  state.counters["MiB/s"] = benchmark::Counter(static_cast<double>(bytes) * state.iterations() / (1 << 20),
                                               benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = static_cast<double>(peak_rss_kib()) / 1024.0;
}

void BM_DropImport100kSmallEntries(benchmark::State& state) {
  const std::string dir = temp_dir();
  const std::uint64_t n = 100000;
  {
    auto src = open_store(dir + "/source");
    const auto key = crypto::Ed25519SecretKey::generate();
    std::vector<store::AuthorisedEntry> batch;
    std::vector<Bytes> payloads;
    for (std::uint64_t i = 0; i < n; ++i) {
      Bytes p(16);
      for (std::size_t j = 0; j < p.size(); ++j) p[j] = static_cast<std::uint8_t>(i >> (j % 8));
      auto ob = crypto::bab_outboard(p).value();
      batch.push_back(sign(key, model::Path::from_strings({"e", std::to_string(i)}).value(), p.size(), ob.digest));
      payloads.push_back(std::move(p));
      if (batch.size() == 1000 || i + 1 == n) {
        (void)src->ingest_batch(batch, store::Trust::kAlreadyVerified).value();
        for (std::size_t k = 0; k < batch.size(); ++k) {
          const auto& e = batch[k].entry;
          bool done = false;
          (void)src->write_payload(e.namespace_id, e.subspace_id, e.path, [&]() -> Result<ByteView> {
            if (done) return ByteView();
            done = true;
            return ByteView(payloads[k]);
          });
        }
        batch.clear();
        payloads.clear();
      }
    }
    auto out = File::create(dir + "/small.drop").value();
    model::AreaOfInterest aoi{model::Area::full(), model::AreaOfInterest::kNoLimit, model::AreaOfInterest::kNoLimit};
    (void)export_drop(*src, default_namespace_id(), aoi, out.sink()).value();
    (void)out.close();
  }
  const std::uint64_t size = std::filesystem::file_size(dir + "/small.drop");
  run_import(state, dir + "/small.drop", n, size, dir);
  state.counters["drop_MiB"] = static_cast<double>(size) / (1 << 20);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DropImport100kSmallEntries)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_DropImportOneGibPayload(benchmark::State& state) {
  const std::string dir = temp_dir();
  const std::uint64_t len = std::uint64_t{1} << 30;
  {
    auto src = open_store(dir + "/source");
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
    (void)src->write_payload(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                             [&]() -> Result<ByteView> {
                               if (at == len) return ByteView();
                               piece(at, buf);
                               at += buf.size();
                               return ByteView(buf);
                             })
        .value();
    auto out = File::create(dir + "/big.drop").value();
    model::AreaOfInterest aoi{model::Area::full(), model::AreaOfInterest::kNoLimit, model::AreaOfInterest::kNoLimit};
    (void)export_drop(*src, default_namespace_id(), aoi, out.sink()).value();
    (void)out.close();
  }
  std::filesystem::remove_all(dir + "/source");
  run_import(state, dir + "/big.drop", 1, len, dir);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DropImportOneGibPayload)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace osier::drop

BENCHMARK_MAIN();
