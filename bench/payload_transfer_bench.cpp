// Payload Chunks between stores (sync/payload_transfer), against plain Bab verification of the
// same stream in the same run:
//   bab_verify_light/<bytes>/<piece>  a BabVerifier fed the whole light stream (no length) in
//                                <piece>-byte pieces, every byte released: the floor of any
//                                receiver (PayloadTransfer feeds its verifier 64 KiB at a time)
//   transfer_receive/<bytes>     a PayloadTransfer from Chunk 0 into a MemoryStore fed the same
//                                stream in 64 KiB pieces (verification, label bookkeeping and
//                                the appends); the payload is forgotten between iterations
//   transfer_resume/<bytes>      the same from the middle Chunk into a store holding the first
//                                half (left_skip: the seed from the store, no bulk hashing)
//   transfer_send/<bytes>        send_payload_chunks of the whole payload from a MemoryStore
//                                holding it complete (its outboard), into a counting sink
// Bytes per second count payload bytes (the ones sent or received).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/payload_transfer.hpp"

namespace {

using namespace osier;

class AcceptAll final : public store::WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView) const override { return Status::ok(); }
};

constexpr std::size_t kPiece = 64 * 1024;

struct Fixture {
  explicit Fixture(std::size_t n) : payload(n) {
    std::mt19937_64 rng(n);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    ae.entry.namespace_id.fill(1);
    ae.entry.subspace_id.fill(2);
    ae.entry.path = model::Path::from_strings({"bench"}).value();
    ae.entry.timestamp = 1;
    ae.entry.payload_length = n;
    ae.entry.payload_digest = crypto::william3(payload);
    auto in =
        sender.ingest_with_payload(ae, memory_source(payload), store::Trust::kAlreadyVerified);
    ok = in.is_ok() && receiver.ingest(ae, store::Trust::kAlreadyVerified).is_ok();
  }
  Bytes chunks(std::uint64_t first) {
    Bytes out;
    ok = ok && sync::send_payload_chunks(sender, ae.entry, first, std::nullopt, [&](ByteView b) {
                 append(out, b);
                 return Status::ok();
               }).is_ok();
    return out;
  }
  bool forget() {
    const model::Entry& e = ae.entry;
    return receiver.forget_payload(e.namespace_id, e.subspace_id, e.path).is_ok();
  }
  bool receive(std::uint64_t first, ByteView stream) {
    auto t = sync::PayloadTransfer::start(receiver, ae.entry, first);
    if (!t.is_ok()) return false;
    for (std::size_t at = 0; at < stream.size(); at += kPiece) {
      if (!t->feed(stream.subspan(at, std::min(kPiece, stream.size() - at))).is_ok()) return false;
    }
    return t->complete();
  }

  std::shared_ptr<const AcceptAll> authoriser = std::make_shared<const AcceptAll>();
  store::MemoryStore sender{authoriser}, receiver{authoriser};
  Bytes payload;
  store::AuthorisedEntry ae;
  bool ok = false;
};

void bab_verify_light(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
  const std::size_t piece = static_cast<std::size_t>(state.range(1));
  const Bytes stream = f.chunks(0);
  crypto::BabStreamOptions opts;
  opts.light = true;
  opts.length_prefix = false;
  std::uint64_t got = 0;
  const crypto::BabVerifier::Release release = [&](ByteView b) { got += b.size(); };
  for (auto _ : state) {
    auto v = crypto::BabVerifier::create(f.ae.entry.payload_digest, opts, f.payload.size());
    bool good = v.is_ok();
    for (std::size_t at = 0; good && at < stream.size(); at += piece) {
      good = v->feed(ByteView(stream).subspan(at, std::min(piece, stream.size() - at)), release)
                 .is_ok();
    }
    if (!good || !v->finish(release).is_ok()) state.SkipWithError("verification failed");
  }
  benchmark::DoNotOptimize(got);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void transfer_receive(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
  const Bytes stream = f.chunks(0);
  if (!f.ok) state.SkipWithError("setup failed");
  for (auto _ : state) {
    if (!f.forget() || !f.receive(0, stream)) state.SkipWithError("transfer failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void transfer_resume(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
  const std::uint64_t mid = sync::payload_chunk_count(f.payload.size()) / 2;
  const Bytes whole = f.chunks(0);
  const Bytes rest = f.chunks(mid);
  const std::uint64_t head = sync::payload_chunks_length(f.payload.size(), 0, mid).value();
  if (!f.ok) state.SkipWithError("setup failed");
  for (auto _ : state) {
    state.PauseTiming();
    const bool held = f.forget() && f.receive(0, ByteView(whole).first(head)) == false;
    state.ResumeTiming();
    // The cut transfer is not complete (false above); the store holds the first half.
    if (!held || !f.receive(mid, rest)) state.SkipWithError("transfer failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(f.payload.size() - mid * 1024));
}

void transfer_send(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
  if (!f.ok) state.SkipWithError("setup failed");
  std::uint64_t sent = 0;
  for (auto _ : state) {
    const Status st =
        sync::send_payload_chunks(f.sender, f.ae.entry, 0, std::nullopt, [&](ByteView b) {
          sent += b.size();
          return Status::ok();
        });
    if (!st.is_ok()) state.SkipWithError("send failed");
  }
  benchmark::DoNotOptimize(sent);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

}  // namespace

BENCHMARK(bab_verify_light)->ArgsProduct({{64 << 10, 1 << 20, 16 << 20}, {16 << 10, 64 << 10}});
BENCHMARK(transfer_receive)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);
BENCHMARK(transfer_resume)->Arg(1 << 20)->Arg(16 << 20);
BENCHMARK(transfer_send)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);
BENCHMARK_MAIN();
