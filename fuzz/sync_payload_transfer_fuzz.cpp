// PayloadTransfer (sync/payload_transfer.hpp) against mutated streams of Payload Chunks: a
// payload derived from the input, a store holding some of its Chunks, a transfer from Chunk 0 or
// from the held ones, then the valid stream cut short, flipped, extended, or replaced by garbage,
// fed in fuzzer-chosen pieces. The transfer must never crash, the store must only ever hold a
// prefix of the true payload (no unverified byte stored), and a transfer completes only on the
// unmodified stream.
//
// Input: [opt][len_hi][len_lo][held][piece seed] then 3-byte edits (pos_hi, pos_lo, op), or with
// opt & 0x40 the raw rest as the stream's tail after a valid prefix of (held byte) * 37 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>

#include "fuzz_store.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "stream_edits.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/payload_transfer.hpp"

namespace {

using namespace osier;

using fuzz::AcceptAll;
using fuzz::check;

// The store holds a prefix of `payload`, at least `at_least` bytes of it.
void check_prefix(store::Store& s, const model::Entry& e, const Bytes& payload,
                  std::uint64_t at_least) {
  auto state = s.payload_state(e.namespace_id, e.subspace_id, e.path);
  check(state.is_ok() && state->has_value());
  const std::uint64_t held = (*state)->held;
  check(held >= at_least && held <= payload.size());
  Bytes got;
  check(s.read_payload(e.namespace_id, e.subspace_id, e.path, 0, held, [&](ByteView b) {
           append(got, b);
           return Status::ok();
         }).is_ok());
  check(got.size() == held && std::equal(got.begin(), got.end(), payload.begin()));
}

Bytes chunks(store::Store& s, const model::Entry& e, std::uint64_t first,
             std::optional<std::uint64_t> count) {
  Bytes out;
  check(sync::send_payload_chunks(s, e, first, count, [&](ByteView b) {
          append(out, b);
          return Status::ok();
        }).is_ok());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint8_t opt = data[0];
  const std::size_t len = ((data[1] << 8) | data[2]) % (opt & 0x20 ? 40000 : 6000);
  Bytes payload(len);
  std::mt19937_64 rng(len);
  for (auto& b : payload) b = static_cast<std::uint8_t>(rng());

  // A sender holding the payload, a receiver holding its first `held` Chunks.
  static const auto authoriser = std::make_shared<const AcceptAll>();
  store::MemoryStore sender(authoriser), receiver(authoriser);
  store::AuthorisedEntry ae;
  ae.entry.namespace_id.fill(1);
  ae.entry.subspace_id.fill(2);
  ae.entry.path = model::Path::from_strings({"f"}).value();
  ae.entry.timestamp = 1;
  ae.entry.payload_length = len;
  ae.entry.payload_digest = crypto::william3(payload);
  const model::Entry& e = ae.entry;
  auto in = sender.ingest_with_payload(ae, memory_source(payload), store::Trust::kAlreadyVerified);
  check(in.is_ok() && in->outcome == store::IngestOutcome::kInserted);
  check(receiver.ingest(ae, store::Trust::kAlreadyVerified).is_ok());
  const std::uint64_t n = sync::payload_chunk_count(len);
  const std::uint64_t held = len == 0 ? 0 : data[3] % n;
  if (held > 0) {
    auto t = sync::PayloadTransfer::start(receiver, e, 0);
    check(t.is_ok());
    check(t->feed(chunks(sender, e, 0, held)).is_ok());
  }
  const std::uint64_t held_bytes = len == 0 ? 0 : held * 1024;
  check_prefix(receiver, e, payload, held_bytes);

  const std::uint64_t first = (opt & 1) ? held : 0;
  const Bytes valid = chunks(sender, e, first, std::nullopt);
  Bytes stream = valid;
  std::size_t pos = 5;
  if (opt & 0x40) {
    stream.resize(std::min<std::size_t>(stream.size(), std::size_t{data[3]} * 37));
    stream.insert(stream.end(), data + pos, data + size);
  } else {
    fuzz::apply_stream_edits(stream, data, pos, size);
  }

  auto t = sync::PayloadTransfer::start(receiver, e, first);
  check(t.is_ok());
  check(t->stream_length() == valid.size());
  std::mt19937_64 pieces(data[4]);
  std::size_t at = 0;
  bool failed = false;
  while (at < stream.size()) {
    const std::size_t take = std::min<std::size_t>(1 + pieces() % 3000, stream.size() - at);
    auto r = t->feed(ByteView(stream).subspan(at, take));
    at += take;
    check_prefix(receiver, e, payload, held_bytes);
    if (!r.is_ok()) {
      failed = true;
      check(!t->complete());
      check(!t->feed(ByteView(stream).subspan(at)).is_ok());  // stays finished
      break;
    }
  }
  if (t->complete()) {
    check(!failed && stream == valid);
    check_prefix(receiver, e, payload, len);
  }
  if (stream == valid) check(t->complete());
  return 0;
}
