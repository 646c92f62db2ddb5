// The TCP transport (net/) against the raw AEAD rate measured in the same run:
//   lcmux_tcp/<capacity KiB>   one LCMUX channel saturated over loopback TCP: a net::Server on
//                              one thread, net::dial on another (real sockets, both ends doing
//                              handshake, transport encryption and LCMUX), 64 MiB per
//                              iteration; <capacity> is the receive buffer the server grants
//                              each channel (its guarantees). bytes_per_second: the wall-clock
//                              rate of channel bytes; cpu_bytes_per_second: channel bytes per
//                              CPU second of the process (both ends, kernel time included).
//   raw_aead_4096              crypto_aead_chacha20poly1305_ietf encrypt + decrypt of 4096-byte
//                              chunks (one thread): the anchor of lcmux_tcp
// (The handshake's benchmarks are in sync_bench.cpp.)
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "net/server.hpp"
#include "osier/crypto/ed25519.hpp"

namespace {

using namespace osier;

// CPU seconds of the whole process (every thread: both ends of the connection).
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

constexpr std::uint64_t kTransferBytes = 64ull << 20;

// Keeps channel 0 saturated: at most 1 MiB queued, 64 KiB per send_channel; closes once all is
// sent and confirmed.
class Source : public net::PeerApp {
 public:
  explicit Source(std::uint64_t total) : total_(total), block_(64 * 1024, 0xa5) {}
  Status on_progress(sync::LcmuxSession& mux) override {
    while (queued_ < total_ && mux.queued_bytes() < (1u << 20)) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(block_.size(), total_ - queued_));
      OSIER_RETURN_IF_ERROR(mux.send_channel(0, ByteView(block_).first(n)));
      queued_ += n;
    }
    done_ = queued_ == total_ && mux.unsent_bytes(0) == 0 && mux.client(0).unconfirmed_bytes() == 0;
    return Status::ok();
  }
  bool wants_close() const override { return done_; }

 private:
  std::uint64_t total_, queued_ = 0;
  Bytes block_;
  bool done_ = false;
};

// Reads channel 0 as it arrives (freeing capacity for new guarantees) and counts.
class Sink : public net::PeerApp {
 public:
  explicit Sink(std::atomic<std::uint64_t>& got) : got_(got) {}
  Status on_progress(sync::LcmuxSession& mux) override {
    while (const std::size_t n = mux.readable(0)) got_ += mux.read(0, n).size();
    return Status::ok();
  }

 private:
  std::atomic<std::uint64_t>& got_;
};

void lcmux_tcp(benchmark::State& state) {
  const std::uint64_t capacity = static_cast<std::uint64_t>(state.range(0)) * 1024;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto client_key = crypto::Ed25519SecretKey::generate();
  std::atomic<std::uint64_t> got{0};
  net::ServerOptions so;
  so.listen = net::Endpoint{"127.0.0.1", 0};
  so.connection.lcmux.server.capacity = capacity;
  so.make_app = [&got] { return std::make_unique<Sink>(got); };
  auto server = net::Server::listen(server_key, std::move(so));
  if (!server) return state.SkipWithError(server.status().message().c_str());
  std::thread t([&] { (*server)->run(); });
  net::ConnectionOptions co;
  co.lcmux.server.capacity = capacity;
  std::uint64_t moved = 0;
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const std::uint64_t before = got.load();
    Source app(kTransferBytes);
    auto r = net::dial(net::Endpoint{"127.0.0.1", (*server)->port()}, client_key, co, app);
    if (!r || !r->clean()) {
      state.SkipWithError("transfer failed");
      break;
    }
    // The server may still be reading the last bytes when the client's end arrives: the end
    // marker comes after them on the same stream, so they are all in by the clean close.
    moved += got.load() - before;
  }
  const double cpu = process_cpu_seconds() - cpu0;
  (*server)->stop();
  t.join();
  // Channel bytes per CPU second of both ends together (robust to other load on the machine,
  // unlike the wall-clock rate).
  state.counters["cpu_bytes_per_second"] = static_cast<double>(moved) / cpu;
  if (moved != kTransferBytes * state.iterations()) state.SkipWithError("bytes missing");
  state.SetBytesProcessed(static_cast<std::int64_t>(moved));
}

void raw_aead_4096(benchmark::State& state) {
  ByteArray<32> key{1, 2, 3};
  ByteArray<12> nonce{};
  Bytes chunk(4096, 0xa5), cipher(4096 + 16), plain(4096);
  std::uint64_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < 8; ++i) nonce[11 - i] = static_cast<std::uint8_t>(n >> (8 * i));
    ++n;
    unsigned long long out_len = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(cipher.data(), &out_len, chunk.data(), chunk.size(),
                                              nullptr, 0, nullptr, nonce.data(), key.data());
    if (crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &out_len, nullptr, cipher.data(),
                                                  cipher.size(), nullptr, 0, nonce.data(),
                                                  key.data()) != 0) {
      state.SkipWithError("decrypt failed");
    }
  }
  benchmark::DoNotOptimize(plain.data());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 4096);
}

}  // namespace

BENCHMARK(lcmux_tcp)->Arg(16)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(raw_aead_4096);
BENCHMARK_MAIN();
