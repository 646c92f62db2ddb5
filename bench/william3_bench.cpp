// WILLIAM3 throughput per backend: william3/<backend>/<bytes> hashes one input one-shot,
// william3_incremental/<backend>/<bytes> feeds it to a William3Hasher in 64 KiB pieces.
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/william3_impl.hpp"
#include "osier/crypto/william3.hpp"

namespace {

using namespace osier;
using namespace osier::crypto;

Bytes input_of(std::size_t len) {
  Bytes in(len);
  for (std::size_t i = 0; i < len; ++i) in[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return in;
}

void one_shot(benchmark::State& state, const w3::Backend* be) {
  const w3::Backend& saved = w3::active_backend();
  w3::set_active_backend(*be);
  Bytes in = input_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(william3(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  w3::set_active_backend(saved);
}

void incremental(benchmark::State& state, const w3::Backend* be) {
  constexpr std::size_t kPiece = 64 * 1024;
  const w3::Backend& saved = w3::active_backend();
  w3::set_active_backend(*be);
  Bytes in = input_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    William3Hasher h;
    for (std::size_t pos = 0; pos < in.size(); pos += kPiece)
      h.update(ByteView(in).subspan(pos, std::min(kPiece, in.size() - pos)));
    benchmark::DoNotOptimize(h.finalize());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  w3::set_active_backend(saved);
}

}  // namespace

int main(int argc, char** argv) {
  const w3::Backend* all[8];
  std::size_t n = w3::available_backends(all, 8);
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = all[i]->name;
    for (std::int64_t len : {64, 1024, 16 * 1024, 1 << 20, 64 << 20})
      benchmark::RegisterBenchmark(("william3/" + name).c_str(), one_shot, all[i])->Arg(len);
    benchmark::RegisterBenchmark(("william3_incremental/" + name).c_str(), incremental, all[i])
        ->Arg(64 << 20);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
