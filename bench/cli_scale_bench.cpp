// The CLI on a big namespace (issue #11's target): `osier put` of a small entry and
// `osier ls --limit 1` on a namespace of 200 and of 200,000 entries, real processes on a real
// home. The entries are signed through the node library (the same write authority `put` uses)
// and ingested in batches, which takes far less time than 200,000 processes.
// Needs the osier binary beside this one (build/bin/osier).
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "meadowcap/authorisation.hpp"
#include "node/node.hpp"
#include "store/authoriser.hpp"
#include "store_bench_data.hpp"

namespace {

using namespace osier;

std::string osier_binary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
          "osier")
      .string();
}

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) std::abort();
}

// Seconds of the median of `n` runs of `cmd`.
double median_seconds(const std::string& cmd, int n) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run(cmd);
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// A home with `n` entries under willow://family.alice/fill/.
std::string make_home(std::size_t n) {
  const std::string home = bench::temp_dir();
  ::setenv("OSIER_HOME", home.c_str(), 1);
  const std::string bin = osier_binary();
  run(bin + " init >/dev/null && " + bin + " id new alice >/dev/null && " + bin +
      " ns new family --communal >/dev/null");
  auto paths = node::resolve_home(home).value();
  auto home_files = node::Home::open(paths).value();
  model::Entry entry;
  entry.namespace_id = home_files->aliases()->namespace_id("family").value();
  entry.subspace_id = home_files->aliases()->identity("alice").value();
  entry.path = model::Path::from_strings({"fill"}).value();
  auto auth = home_files->write_authority(entry, std::nullopt).value();
  auto store = node::open_home_store(paths, false).value();
  std::vector<store::AuthorisedEntry> batch;
  for (std::size_t i = 0; i < n; ++i) {
    model::Entry e = entry;
    e.path = model::Path::from_strings({"fill", bench::named('e', i)}).value();
    e.timestamp = 1 + i;
    auto signed_entry = meadowcap::AuthorisedEntry::sign(e, auth.capability, auth.key).value();
    batch.push_back({e, store::encode_token_bytes(signed_entry.token()).value()});
    if (batch.size() == 1000 || i + 1 == n) {
      (void)store->ingest_batch(batch, store::Trust::kAlreadyVerified);
      batch.clear();
    }
  }
  return home;
}

void BM_CliOnABigNamespace(benchmark::State& state) {
  const std::string bin = osier_binary();
  for (auto _ : state) {
    double put[2], ls[2];
    const std::size_t sizes[2] = {200, 200000};
    for (int k = 0; k < 2; ++k) {
      const std::string home = make_home(sizes[k]);
      const std::string file = home + "/small";
      std::ofstream(file) << "hi";
      int n = 0;
      put[k] = median_seconds(bin + " put willow://family.alice/notes/" + bench::named('n', n++) +
                                  " " + file + " >/dev/null",
                              7);
      ls[k] = median_seconds(bin + " ls family --limit 1 >/dev/null", 7);
      std::filesystem::remove_all(home);
    }
    state.counters["put s (200)"] = put[0];
    state.counters["put s (200k)"] = put[1];
    state.counters["put ratio"] = put[1] / put[0];
    state.counters["ls s (200)"] = ls[0];
    state.counters["ls s (200k)"] = ls[1];
    state.counters["ls ratio"] = ls[1] / ls[0];
  }
}

BENCHMARK(BM_CliOnABigNamespace)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
