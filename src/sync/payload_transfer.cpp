#include "sync/payload_transfer.hpp"

#include <algorithm>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "osier/crypto/bab_tree.hpp"
#include "sync/payload_chunks.hpp"

namespace osier::sync {

namespace {

using crypto::BabGeometry;

// The light slice stream of one chunk carries at most two labels per tree level (64 levels)
// and the chunk: a store serving more for it is broken.
constexpr std::uint64_t kSeedMax = 2 * 64 * kPayloadLabelWidth + kPayloadChunkSize;

std::string chunk_text(std::uint64_t i) { return "Chunk " + std::to_string(i); }

// The stored entry at the entry's coordinates, if it has the entry's payload.
Result<store::PayloadState> stored_payload(store::Store& store, const model::Entry& entry) {
  OSIER_ASSIGN_OR_RETURN(std::optional<store::LengthyAuthorisedEntry> stored,
                         store.get(entry.namespace_id, entry.subspace_id, entry.path));
  if (!stored || stored->authorised.entry.payload_digest != entry.payload_digest ||
      stored->authorised.entry.payload_length != entry.payload_length) {
    return error(ErrorCode::kNotFound, "no entry with this payload is stored there");
  }
  return store::PayloadState{entry.payload_length, stored->available};
}

// Chunks [0, result) are held: all of them for a complete payload, else the whole chunks of the
// held prefix.
std::uint64_t held_chunks(const store::PayloadState& s) {
  return s.complete() ? payload_chunk_count(s.length) : s.held / kPayloadChunkSize;
}

}  // namespace

// SPEC-NOTES Sync 17
Result<crypto::BabStreamOptions> payload_chunks_stream(std::uint64_t length, std::uint64_t first,
                                                       std::uint64_t count) {
  const BabGeometry geo(length, kPayloadChunkSize);
  const std::uint64_t n = geo.num_chunks();
  if (first > n || count > n - first) {
    return error(ErrorCode::kOutOfRange, "Chunks past the payload's " + std::to_string(n));
  }
  crypto::BabStreamOptions opts;
  opts.light = true;  // spec: willow25#willow25_cs_general — the light stream, no length
  opts.length_prefix = false;
  opts.slice = crypto::BabSlice{first, count};
  // spec: bab#left_skip — the labels of the children of the nodes that start before `first`
  // are in the Chunks before it (the receiver has them); every other label of the light stream
  // between data chunks first - 1 and first + count - 1 belongs to these Chunks.
  opts.left_skip = first == 0 ? 0 : crypto::bab_max_left_skip(geo, 0, first, first);
  return opts;
}

Status send_payload_chunks(store::Store& store, const model::Entry& entry, std::uint64_t first,
                           std::optional<std::uint64_t> count, const ByteSink& sink) {
  OSIER_ASSIGN_OR_RETURN(store::PayloadState state, stored_payload(store, entry));
  const std::uint64_t length = entry.payload_length;
  const std::uint64_t n = payload_chunk_count(length);
  const std::uint64_t c = count ? *count : (first <= n ? n - first : 0);
  OSIER_ASSIGN_OR_RETURN(crypto::BabStreamOptions opts, payload_chunks_stream(length, first, c));
  if (c == 0) return Status::ok();
  const std::uint64_t held = held_chunks(state);
  if (first + c > held) {
    return error(ErrorCode::kNotFound, "the store holds Chunks [0, " + std::to_string(held) +
                                           ") of this payload, not up to " +
                                           chunk_text(first + c - 1));
  }
  if (length == 0) return Status::ok();  // its one Chunk is empty
  std::uint64_t sent = 0;
  OSIER_RETURN_IF_ERROR(store.serve_payload(entry.namespace_id, entry.subspace_id, entry.path, opts,
                                            [&](ByteView piece) {
                                              sent += piece.size();
                                              return sink(piece);
                                            }));
  // The entry may have changed between the two reads: then these are another payload's bytes.
  if (sent != payload_chunks_length(length, first, c)) {
    return error(ErrorCode::kNotFound, "the entry's payload changed while its Chunks were read");
  }
  return Status::ok();
}

Result<PayloadTransfer> PayloadTransfer::resume(store::Store& store, const model::Entry& entry,
                                                store::Origin origin) {
  OSIER_ASSIGN_OR_RETURN(store::PayloadState state, stored_payload(store, entry));
  Result<PayloadTransfer> t = start(store, entry, held_chunks(state), origin);
  // kNotFound with the entry present: the store cannot prove its prefix (no frontier).
  if (!t.is_ok() && t.status().code() == ErrorCode::kNotFound && held_chunks(state) > 0) {
    return start(store, entry, 0, origin);
  }
  return t;
}

Result<PayloadTransfer> PayloadTransfer::start(store::Store& store, const model::Entry& entry,
                                               std::uint64_t first_chunk, store::Origin origin) {
  OSIER_ASSIGN_OR_RETURN(store::PayloadState state, stored_payload(store, entry));
  const std::uint64_t length = entry.payload_length;
  const BabGeometry geo(length, kPayloadChunkSize);
  const std::uint64_t n = geo.num_chunks();
  const std::uint64_t held = held_chunks(state);
  if (first_chunk > held) {
    return error(ErrorCode::kOutOfRange, "the store holds Chunks [0, " + std::to_string(held) +
                                             "): a stream from " + chunk_text(first_chunk) +
                                             " would leave a gap");
  }
  const std::optional<std::uint64_t> stream_length =
      payload_chunks_length(length, first_chunk, n - first_chunk);
  if (!stream_length) return error(ErrorCode::kOutOfRange, "payload too long for its Chunks");
  PayloadTransfer t(store, entry, origin, first_chunk, *stream_length, state.held);
  t.payload_pos_ = std::min(length, first_chunk * kPayloadChunkSize);
  t.step_offset_ = t.payload_pos_;
  t.last_state_ = state;
  if (*stream_length == 0) return t;  // the empty payload, or the end of a complete one

  if (first_chunk > 0) {
    // The labels the stream skips (spec: bab#left_skip): those beside the path to chunk
    // first_chunk - 1, taken from the store's own light slice stream of that chunk, checked
    // against the digest on the way in.
    crypto::BabStreamOptions seed;
    seed.light = true;
    seed.length_prefix = false;
    seed.slice = crypto::BabSlice{first_chunk - 1, 1};
    Bytes seed_bytes;
    const Status served = store.serve_payload(
        entry.namespace_id, entry.subspace_id, entry.path, seed, [&](ByteView piece) {
          if (piece.size() > kSeedMax - seed_bytes.size()) {
            return error(ErrorCode::kCorrupt, "the store's stream of one chunk is too long");
          }
          append(seed_bytes, piece);
          return Status::ok();
        });
    if (served.code() == ErrorCode::kNotFound) {
      return error(ErrorCode::kNotFound,
                   "the store cannot prove the Chunks before " + chunk_text(first_chunk) +
                       " (a payload prefix whose frontier it does not know): start from Chunk 0");
    }
    OSIER_RETURN_IF_ERROR(served);
    OSIER_ASSIGN_OR_RETURN(crypto::BabVerifier check,
                           crypto::BabVerifier::create(entry.payload_digest, seed, length));
    check.set_label_observer(t.labels_->observer());
    Status checked = check.feed(seed_bytes, {});
    if (checked.is_ok()) checked = check.finish();
    if (!checked.is_ok()) {
      return error(ErrorCode::kCorrupt,
                   "the store's own labels of the payload do not verify: " + checked.to_string());
    }
    t.labels_->prune(geo, first_chunk);
  }

  OSIER_ASSIGN_OR_RETURN(crypto::BabStreamOptions opts,
                         payload_chunks_stream(length, first_chunk, n - first_chunk));
  OSIER_ASSIGN_OR_RETURN(crypto::BabVerifier v,
                         crypto::BabVerifier::create(entry.payload_digest, opts, length));
  crypto::BabLabelCache* labels = t.labels_.get();
  v.set_known_labels([labels](crypto::BabNode node) { return labels->find(node); });
  v.set_label_observer(labels->observer());
  t.verifier_.emplace(std::move(v));
  return t;
}

PayloadTransfer::Background::~Background() {
  if (running.valid()) running.wait();
}

void PayloadTransfer::set_background_appends(bool on) {
  if (on && !background_) background_ = std::make_unique<Background>();
  if (!on) background_.reset();
}

Status PayloadTransfer::flush() {
  if (!failed_.is_ok()) return failed_;
  failed_ = append_step();
  return failed_;
}

Status PayloadTransfer::collect() {
  if (!background_ || !background_->running.valid()) return Status::ok();
  Result<store::PayloadState> r = background_->running.get();
  background_->bytes.clear();
  if (!r) return r.status();
  last_state_ = *r;
  return Status::ok();
}

Status PayloadTransfer::append_step(bool may_defer) {
  const std::uint64_t offset = step_offset_;
  const auto done = [&] {
    step_.clear();
    step_offset_ = payload_pos_;
  };
  // Appends go in order: the one running first (also when this one has nothing to add).
  OSIER_RETURN_IF_ERROR(collect());
  if (step_.empty()) return Status::ok();
  const std::uint64_t length = entry_.payload_length;
  const std::uint64_t end = offset + step_.size();
  if (end <= held_at_start_) {  // verified, and held already
    done();
    return Status::ok();
  }
  std::vector<crypto::BabLabel> frontier;
  if (end < length) {
    std::optional<std::vector<crypto::BabLabel>> f =
        labels_->frontier(BabGeometry(length, kPayloadChunkSize), end / kPayloadChunkSize);
    // The verifier reports these labels before it releases the chunks left of them.
    if (!f) return error(ErrorCode::kInternal, "the frontier of the verified bytes is unknown");
    frontier = std::move(*f);
  }
  if (may_defer && background_) {
    // The batch moves to the helper; step_ takes the helper's spent buffer (its memory reused).
    Background& bg = *background_;
    std::swap(bg.bytes, step_);
    done();
    auto task = [store = store_, ns = entry_.namespace_id, subspace = entry_.subspace_id,
                 path = entry_.path, digest = entry_.payload_digest, offset,
                 bytes = ByteView(bg.bytes), frontier = std::move(frontier), origin = origin_] {
      return store->append_verified(ns, subspace, path, digest, offset, bytes, frontier, origin);
    };
    try {
      bg.running = std::async(std::launch::async, task);  // a copy: `task` stays for the catch
    } catch (const std::system_error&) {                  // no thread to be had: append here
      std::swap(bg.bytes, step_);
      OSIER_ASSIGN_OR_RETURN(last_state_, task());
      step_.clear();
    }
    return Status::ok();
  }
  OSIER_ASSIGN_OR_RETURN(
      store::PayloadState s,
      store_->append_verified(entry_.namespace_id, entry_.subspace_id, entry_.path,
                              entry_.payload_digest, offset, step_, frontier, origin_));
  last_state_ = s;
  done();
  return Status::ok();
}

Result<store::PayloadState> PayloadTransfer::feed(ByteView piece) {
  if (!failed_.is_ok()) return failed_;
  const std::uint64_t room = stream_length_ - received_;
  const bool too_long = piece.size() > room;
  const ByteView in = too_long ? piece.first(static_cast<std::size_t>(room)) : piece;
  const BabGeometry geo(entry_.payload_length, kPayloadChunkSize);
  const auto release = [this](ByteView bytes) {
    append(step_, bytes);
    payload_pos_ += bytes.size();
  };
  // One step at a time: the verifier releases a step's chunks as they verify; they are stored
  // after the step, or once append_batch_ bytes are ready (and at the end, and when a byte fails:
  // no verified byte before it is lost), so memory stays at one batch.
  for (std::size_t pos = 0; pos < in.size(); pos += kStep) {
    const ByteView sub = in.subspan(pos, std::min(kStep, in.size() - pos));
    const Status verified = verifier_->feed(sub, release);
    received_ += sub.size();
    // A failed byte's prefix is stored before the error is returned: never deferred.
    const Status appended = !verified.is_ok()               ? append_step()
                            : step_.size() >= append_batch_ ? append_step(/*may_defer=*/true)
                                                            : Status::ok();
    labels_->prune(geo, payload_pos_ / kPayloadChunkSize);
    if (!verified.is_ok()) failed_ = verified;
    if (!appended.is_ok()) failed_ = appended;
    if (!failed_.is_ok()) return failed_;
  }
  if (!in.empty() && received_ == stream_length_) {
    failed_ = verifier_->finish(release);
    const Status appended = append_step();
    if (failed_.is_ok()) failed_ = appended;
    if (!failed_.is_ok()) return failed_;
  }
  if (too_long) {
    failed_ =
        error(ErrorCode::kInvalidEncoding, "bytes past the end of the payload's Chunks (" +
                                               std::to_string(stream_length_) + " bytes from " +
                                               chunk_text(first_chunk_) + ")");
    return failed_;
  }
  return *last_state_;
}

}  // namespace osier::sync
