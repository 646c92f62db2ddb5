// Payload Chunks in Confidential Sync, both ends: the bytes of a run of Chunks as a sender reads
// them from its store, and PayloadTransfer, the receiver's verifier of one stream of Chunks that
// hands what verifies to the store.
// spec: confidential_sync#transform_payload, confidential_sync#sync_payloads,
// willow25#willow25_cs_general (the Bab light stream without the length), bab#light,
// bab#slice_streaming, bab#left_skip
//
// SPEC-NOTES Sync 17, kept in payload_chunks_stream(): sending "from Chunk k" sends the suffix of
// the payload's whole light stream (without the length) from Chunk k on, and Chunks [k, k + m)
// are a stretch of it. That stretch is exactly the light slice stream of chunks [k, k + m) with
// left_skip = the number of nodes on the path to chunk k that start before it (whose children's
// labels the whole stream sent in Chunks before k; tests/sync/payload_transfer_test.cpp checks
// the equality byte for byte). It is NOT store::continuation_stream, the stream drops and
// store::PayloadReceiver use: that one is a slice stream without skips, which sends those
// labels again — a self-contained stream a reader with no state can check. Two streams, because
// a drop's file format (docs/formats.md) is fixed and a Chunk's bytes are fixed by the spec.
//
// Receiving from Chunk k > 0 needs the labels of the nodes the stream skips. PayloadTransfer
// takes them from its own store, which proves its held Chunks with them: it serves the light
// slice stream of chunk k - 1 (every label beside that chunk's path, within the store's held
// chunks and its frontier, crypto/bab_prefix.hpp), checks it against the digest like any stream
// and keeps the labels it verified. So a transfer can resume a payload cut mid-way from the
// Chunks the store holds, as long as the store knows its frontier (else it starts at Chunk 0).
//
// Not thread-safe: one PayloadTransfer per stream, owned by the session that reads the stream;
// the store keeps no transfer state (Store::append_verified), so two transfers of the same
// payload into one store both succeed — the one behind finds its bytes stored already.
// Sans-IO: no sockets or clocks; the store calls are the only I/O. No threads unless
// set_background_appends(true): then each batch's append runs on a thread of its own (one
// std::async per batch, at most one at a time), which touches nothing of the transfer but that
// batch's bytes (PayloadTransfer::Background) and the store, whose methods any thread may call.
#pragma once

#include <algorithm>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>

#include "crypto/bab_label_cache.hpp"
#include "crypto/bab_verifier.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/store.hpp"
#include "osier/store/types.hpp"

namespace osier::sync {

// SPEC-NOTES Sync 17: the Bab stream options whose stream is exactly Chunks [first, first +
// count) of a payload of `length` bytes (see the top of this file). kOutOfRange unless the run
// lies within the payload's Chunks. count = 0 gives an empty stream.
Result<crypto::BabStreamOptions> payload_chunks_stream(std::uint64_t length, std::uint64_t first,
                                                       std::uint64_t count);

// Sender: writes Chunks [first, first + count) of `entry`'s payload — to the last Chunk when
// count is nullopt — to `sink`, read from `store` (the stored payload and its outboard, never
// rehashed for a complete payload; a partial one's held bytes are hashed again, as
// Store::serve_payload does), in pieces of at most 64 KiB; memory is the store's producer's
// (the labels of one path and one piece). The bytes total payload_chunks_length(length, first,
// count) (sync/payload_chunks.hpp).
// Errors: kNotFound when (namespace, subspace, path) holds no entry with the entry's payload
// digest and length, or the store does not hold those Chunks (a partial payload holds its first
// held / 1024 Chunks, and can serve them only while it knows its frontier); kOutOfRange for
// Chunks past the payload's; the sink's errors.
// REQUIRES: `sink` does not call back into the store (MemoryStore calls it under its lock).
Status send_payload_chunks(store::Store& store, const model::Entry& entry, std::uint64_t first,
                           std::optional<std::uint64_t> count, const ByteSink& sink);

// Receiver: one stream of Chunks from Chunk `first_chunk` to the end of one entry's payload.
//
// In: the stream's bytes, in any split (feed). Out: verified payload bytes, appended to the store
// through Store::append_verified as they verify, with the frontier that keeps the grown prefix
// servable and resumable; bytes of Chunks the store held at the start are verified and not
// appended again. Verification is against the entry's payload digest, so no byte reaches the
// store unverified. A byte that does not verify (or a byte past the stream's end, or a failed
// append) finishes the transfer: the bytes verified before it stay stored, every later call
// fails with the same error, and a new transfer resumes from what the store then holds.
//
// Appends: by default what each step verifies is appended before the next step. Each append is
// one durable store write (an fsync with LmdbStore), so a receiver of large payloads batches them
// (set_append_batch): verified bytes then wait in memory until that many are ready (or the
// stream ends, a byte fails, or flush() is called) — appending every 64 KiB made a 64 MiB payload
// take 25 s over loopback. Bytes waiting are verified but not yet stored; a transfer dropped
// without flush() loses them (a new transfer then resumes from what the store holds).
//
// Background appends (set_background_appends): a batch's append (the store's durable write:
// pwrite, fdatasync, an LMDB commit) runs on a helper thread while the caller feeds and verifies
// the next batch, so the connection thread no longer stops reading for the disk (a quarter of a
// payload sync's wall time: docs/benchmarks.md, "A 1 GiB payload over loopback"). What the
// store holds is unchanged: the same appends in the same order, each durable when it returns;
// the next batch's append, flush(), a failed byte and the stream's end first wait for the one
// running, so complete() and a successful flush() still mean every verified byte is stored. An
// append's error finishes the transfer at the next feed() or flush() instead of at once. The
// destructor waits for a running append (and keeps its bytes), so the store must outlive the
// transfer as before.
//
// Memory is fixed whatever the payload's size: the Bab verifier (~60 KiB, one label per tree
// level), the labels of one root-to-leaf path (pruned as the stream moves on), and at most
// max(append batch, kStep) + 1024 bytes of verified payload between appends (twice that with
// background appends: one batch gathered, one being appended).
class PayloadTransfer {
 public:
  // The verifier is fed this many stream bytes at a time, and what they verify is appended
  // before the next step (so at most kStep + 1024 payload bytes wait for an append).
  static constexpr std::size_t kStep = 64 * 1024;
  // The most set_append_batch takes.
  static constexpr std::size_t kMaxAppendBatch = 16 * 1024 * 1024;

  // A transfer into the entry at (entry.namespace_id, entry.subspace_id, entry.path) of `store`
  // (which must outlive the transfer) of the Chunks from `first_chunk` on; appends carry
  // `origin`. first_chunk may be at most the number of Chunks the store holds (a stream from
  // further on would leave a gap the store cannot take): kOutOfRange otherwise — ask the sender
  // for what resume() starts from instead. kNotFound when no entry with the entry's payload digest
  // and length is stored there, or when first_chunk > 0 and the store cannot prove the Chunks
  // before it (a prefix without a known frontier: start from Chunk 0). For first_chunk > 0 the
  // store serves chunk first_chunk - 1 (Store::serve_payload): from its outboard when it holds the
  // payload complete; a partial payload's held bytes are hashed again for it, once per start.
  static Result<PayloadTransfer> start(store::Store& store, const model::Entry& entry,
                                       std::uint64_t first_chunk,
                                       store::Origin origin = store::Origin::local());
  // A transfer from the Chunks the store holds (all of them when it holds the payload complete:
  // an empty stream), or from Chunk 0 when it holds a prefix whose frontier it does not know;
  // first_chunk() says which, for the request to the sender. Errors as for start().
  static Result<PayloadTransfer> resume(store::Store& store, const model::Entry& entry,
                                        store::Origin origin = store::Origin::local());

  // The next bytes of the stream. Returns the store's payload state as of this transfer's latest
  // append (before the first: as read at the start). Errors (each finishes the transfer):
  // kVerification when the stream does not verify; kInvalidEncoding for bytes past the stream's end
  // (those within it are processed first); append_verified's errors (kNotFound: the entry was
  // overwritten or forgotten; kOutOfRange: the store lost bytes meanwhile; kResourceExhausted: disk
  // full).
  Result<store::PayloadState> feed(ByteView piece);

  // Gather verified bytes until `bytes` of them (at most kMaxAppendBatch) are ready before one
  // append; 0 (the default): append after every step.
  void set_append_batch(std::size_t bytes) { append_batch_ = std::min(bytes, kMaxAppendBatch); }
  // Batches are appended on a helper thread while the next one is gathered (see the top).
  // REQUIRES: called before the first feed().
  void set_background_appends(bool on);
  // Appends the verified bytes that wait for an append now (for a transmission the sender ended
  // early). Errors as for feed(), and they finish the transfer.
  Status flush();

  // The whole stream was received and verified (an empty stream is complete at once).
  bool complete() const { return received_ == stream_length_ && failed_.is_ok(); }
  // The Status that finished the transfer early; OK while it runs or once it is complete.
  const Status& failure() const { return failed_; }

  std::uint64_t first_chunk() const { return first_chunk_; }
  // Bytes of the whole stream: payload_chunks_length(length, first_chunk, to the end).
  std::uint64_t stream_length() const { return stream_length_; }
  // Stream bytes fed so far (within the stream).
  std::uint64_t received() const { return received_; }
  // The payload offset up to which this transfer verified bytes (first_chunk * 1024 at the
  // start).
  std::uint64_t verified_end() const { return payload_pos_; }

 private:
  PayloadTransfer(store::Store& store, const model::Entry& entry, store::Origin origin,
                  std::uint64_t first_chunk, std::uint64_t stream_length, std::uint64_t held)
      : store_(&store),
        entry_(entry),
        origin_(origin),
        first_chunk_(first_chunk),
        stream_length_(stream_length),
        held_at_start_(held),
        labels_(std::make_unique<crypto::BabLabelCache>()) {}

  // A batch being appended on the helper thread (set_background_appends). Behind a pointer so
  // that the helper's view of `bytes` survives moves of the transfer; the helper reads `bytes`
  // and nothing else of it until `running` is ready.
  struct Background {
    Bytes bytes;
    std::future<Result<store::PayloadState>> running;  // invalid when no append runs
    ~Background();                                     // waits for `running`
  };

  // Appends step_ (verified bytes from payload offset step_offset_) unless the store held them at
  // the start, and empties it: on the helper thread when `may_defer` and background appends are
  // on, else here (after the running one).
  Status append_step(bool may_defer = false);
  // Waits for the append running on the helper thread, if any, and takes its outcome.
  Status collect();
  Result<store::PayloadState> state() const;

  store::Store* store_;
  model::Entry entry_;
  store::Origin origin_;
  std::uint64_t first_chunk_;
  std::uint64_t stream_length_;
  std::uint64_t held_at_start_;
  std::uint64_t received_ = 0;
  std::uint64_t payload_pos_ = 0;
  // Verified labels: the skipped ones seeded at the start, then those the verifier reports;
  // behind a pointer so the verifier's callbacks survive moves of the transfer.
  std::unique_ptr<crypto::BabLabelCache> labels_;
  std::optional<crypto::BabVerifier> verifier_;  // none for an empty stream
  std::optional<store::PayloadState> last_state_;
  std::size_t append_batch_ = 0;
  std::unique_ptr<Background> background_;  // set_background_appends(true)
  Bytes step_;  // verified bytes not yet appended (at most max(append_batch_, kStep) + a chunk)
  std::uint64_t step_offset_ = 0;  // the payload offset of step_'s first byte
  Status failed_;                  // the first failure: the transfer is finished
};

}  // namespace osier::sync
