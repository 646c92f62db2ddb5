// Bab throughput (payload bytes per second) with the active WILLIAM3 backend:
//   bab_plain_william3/<bytes>        plain one-shot hashing, the reference
//   bab_outboard/<bytes>              digest + outboard in one pass (64 KiB pieces)
//   bab_produce/<kind>/<bytes>        stream production from payload + outboard
//   bab_verify/<kind>/<bytes>/<piece> verification, stream fed in <piece>-byte pieces
// with <kind> one of baseline, light, light_k3.
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/william3.hpp"

namespace {

using namespace osier;
using namespace osier::crypto;

constexpr std::size_t kPiece = 64 * 1024;

Bytes input_of(std::size_t len) {
  Bytes in(len);
  for (std::size_t i = 0; i < len; ++i) in[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return in;
}

BabStreamOptions options(int kind) {
  BabStreamOptions o;
  o.light = kind != 0;
  o.k = kind == 2 ? 3 : 0;
  return o;
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void plain(benchmark::State& state) {
  Bytes in = input_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(william3(in));
  set_bytes(state);
}

void outboard(benchmark::State& state) {
  Bytes in = input_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::uint64_t written = 0;
    BabOutboardBuilder b([&](ByteView piece) {
      written += piece.size();
      return Status::ok();
    });
    for (std::size_t pos = 0; pos < in.size(); pos += kPiece)
      (void)b.update(ByteView(in).subspan(pos, std::min(kPiece, in.size() - pos)));
    benchmark::DoNotOptimize(b.finish());
    benchmark::DoNotOptimize(written);
  }
  set_bytes(state);
}

void produce(benchmark::State& state, int kind) {
  Bytes in = input_of(static_cast<std::size_t>(state.range(0)));
  BabOutboard ob = *bab_outboard(in);
  BytesReader pr(in), orr(ob.pairs);
  for (auto _ : state) {
    std::uint64_t written = 0;
    Status st = bab_produce_stream(options(kind), in.size(), pr, orr, [&](ByteView piece) {
      written += piece.size();
      return Status::ok();
    });
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(written);
  }
  set_bytes(state);
}

void verify(benchmark::State& state, int kind) {
  Bytes in = input_of(static_cast<std::size_t>(state.range(0)));
  BabOutboard ob = *bab_outboard(in);
  Bytes stream = *bab_stream(options(kind), in, ob);
  for (auto _ : state) {
    BabVerifier v = *BabVerifier::create(ob.digest, options(kind), std::nullopt);
    std::uint64_t released = 0;
    auto rel = [&](ByteView b) { released += b.size(); };
    const auto piece = static_cast<std::size_t>(state.range(1));
    for (std::size_t pos = 0; pos < stream.size(); pos += piece)
      (void)v.feed(ByteView(stream).subspan(pos, std::min(piece, stream.size() - pos)), rel);
    if (!v.finish().is_ok() || released != in.size()) state.SkipWithError("did not verify");
  }
  set_bytes(state);
}

}  // namespace

int main(int argc, char** argv) {
  const char* kinds[] = {"baseline", "light", "light_k3"};
  for (std::int64_t len : {std::int64_t{1} << 20, std::int64_t{64} << 20}) {
    benchmark::RegisterBenchmark("bab_plain_william3", plain)->Arg(len);
    benchmark::RegisterBenchmark("bab_outboard", outboard)->Arg(len);
    for (int k = 0; k < 3; ++k) {
      benchmark::RegisterBenchmark((std::string("bab_produce/") + kinds[k]).c_str(), produce, k)
          ->Arg(len);
      benchmark::RegisterBenchmark((std::string("bab_verify/") + kinds[k]).c_str(), verify, k)
          ->Args({len, 64 * 1024})
          ->Args({len, 1 << 20});
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
