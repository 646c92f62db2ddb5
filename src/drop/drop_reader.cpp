#include "osier/drop/drop_reader.hpp"

#include <memory>
#include <thread>
#include <vector>

#include "base/compact_u64.hpp"
#include "crypto/bab_label_cache.hpp"
#include "crypto/bab_verifier.hpp"
#include "drop/drop_codec.hpp"
#include "drop/drop_input.hpp"
#include "drop/staging.hpp"
#include "meadowcap/token_check_pool.hpp"
#include "meadowcap/verified_capabilities.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/model/ids.hpp"
#include "osier/store/authoriser.hpp"
#include "store/payload.hpp"

namespace osier::drop {

namespace {

constexpr std::size_t kInitialHeaderLookahead = 4096;
// A 64-chunk group is 64 KiB plus labels; nothing legitimate buffers more.
constexpr std::uint64_t kMaxGroupBytes = std::uint64_t{1} << 20;
// The ingest phase reports progress every this many entries.
constexpr std::size_t kProgressEvery = 512;
// Verified labels kept per entry between prunes (each ~100 bytes).
constexpr std::size_t kMaxCachedLabels = 4096;
// Entries whose tokens are checked together on the pool's threads, and a cap on their rough
// size in memory (a batch being checked and one being filled are held at a time).
constexpr std::size_t kTokenBatch = 256;
constexpr std::size_t kMaxTokenBatchBytes = std::size_t{8} << 20;

Status corrupt(std::uint64_t at, const std::string& what) {
  return error(ErrorCode::kInvalidEncoding,
               "invalid drop at byte " + std::to_string(at) + ": " + what);
}

Status truncated(std::uint64_t at, const std::string& what) {
  return error(ErrorCode::kIncomplete,
               "truncated drop: it ends at byte " + std::to_string(at) + " " + what);
}

Status not_authorised(std::uint64_t index, const Status& why) {
  return error(ErrorCode::kVerification,
               "drop: entry " + std::to_string(index) + " is not authorised: " + why.message());
}

// A token check's worker threads next to the thread that decodes: none on one core.
unsigned token_check_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n <= 1 ? 0 : n - 1;
}

// Roughly what an entry and its token take in memory (paths may be far longer than their
// relative encoding in the drop).
std::size_t token_item_bytes(const EntryHeader& h, std::size_t header_bytes) {
  constexpr std::size_t kPerDelegation = 2 * model::kMaxPathLength + 256;
  return header_bytes + 256 + h.entry.path.total_length() +
         h.token.capability.delegations().size() * kPerDelegation;
}

// Bytes in the stream `opts` describes (the verifier needs exactly them; the drop delimits
// slice streams by nothing else). Computed without walking the stream: a hostile drop may
// claim a slice of 2^40 chunks in a few bytes (the read then ends, truncated, after the bytes
// the drop really has).
Result<std::uint64_t> stream_length(const crypto::BabStreamOptions& opts, std::uint64_t length) {
  const crypto::BabHash& hash = crypto::william3_bab();
  OSIER_ASSIGN_OR_RETURN(crypto::BabLayout layout, crypto::bab_layout(opts, length, hash));
  return layout.stream_len(crypto::BabGeometry(length, hash.chunk_size()));
}

// The first pass: decodes, verifies and (when staging) stages one drop.
class Verifier {
 public:
  Verifier(const ByteSource& source, const ImportOptions& options, Staging* staging)
      : in_(source, std::max<std::size_t>(options.max_entry_header_bytes, 64)),
        options_(options),
        staging_(staging),
        verified_(verified_limits(options)) {
    if (const unsigned threads = token_check_threads(); threads > 0) {
      pool_ = std::make_unique<meadowcap::TokenCheckPool>(threads, verified_limits(options));
    }
  }

  // Tokens are checked in batches on the pool while decoding goes on, so an entry's payload
  // may be read before its token is checked. The error reported is still the first in drop
  // order: an entry's token check comes before anything that fails later in the drop.
  Result<ImportStats> run() {
    const Status read = read_entries();
    OSIER_RETURN_IF_ERROR(settle_tokens());
    OSIER_RETURN_IF_ERROR(read);
    stats_.drop_bytes = in_.position();
    if (staging_ != nullptr) OSIER_RETURN_IF_ERROR(staging_->seal());
    return stats_;
  }

 private:
  Status read_entries() {
    model::Entry prev_entry = meadowcap::willow25_default_entry();
    meadowcap::MeadowcapAuthorisationToken prev_token = meadowcap::default_authorisation_token();
    for (;;) {
      OSIER_ASSIGN_OR_RETURN(ByteView first, in_.peek(1));
      if (first.empty()) return truncated(in_.position(), "before its final 0x00 byte");
      if (first[0] == kDropEnd) {
        in_.consume(1);
        OSIER_ASSIGN_OR_RETURN(ByteView rest, in_.peek(1));
        if (!rest.empty()) return corrupt(in_.position(), "bytes after the final 0x00 byte");
        break;
      }
      if (stats_.entries == options_.max_entries) {
        return error(ErrorCode::kOutOfRange,
                     "drop: more than " + std::to_string(options_.max_entries) + " entries");
      }
      OSIER_ASSIGN_OR_RETURN(EntryHeader header, read_header(prev_entry, prev_token));
      OSIER_RETURN_IF_ERROR(entry(header));
      prev_entry = std::move(header.entry);
      prev_token = std::move(header.token);
    }
    return Status::ok();
  }

  // Queues the entry's token for checking; hands the batch to the pool when it is full.
  Status queue_token(const EntryHeader& header) {
    if (batch_.empty()) batch_first_ = stats_.entries;
    batch_.push_back({header.entry, header.token});
    batch_bytes_ += token_item_bytes(header, last_header_bytes_);
    if (batch_.size() < kTokenBatch && batch_bytes_ < kMaxTokenBatchBytes) return Status::ok();
    return submit_batch();
  }

  // Hands the queued tokens to the pool once it has checked the earlier ones.
  Status submit_batch() {
    if (Status st = wait_tokens(); !st.is_ok()) {
      batch_.clear();  // later entries: their tokens do not matter any more
      return st;
    }
    if (batch_.empty()) return Status::ok();
    checking_first_ = batch_first_;
    checking_ = true;
    pool_->start(std::move(batch_));
    batch_.clear();
    batch_bytes_ = 0;
    return Status::ok();
  }

  // Waits for the batch the pool is checking.
  Status wait_tokens() {
    if (!checking_) return Status::ok();
    checking_ = false;
    std::optional<meadowcap::TokenCheckPool::Failure> failed = pool_->wait();
    if (failed) return not_authorised(checking_first_ + failed->index, failed->status);
    return Status::ok();
  }

  // Checks every token queued so far, in drop order.
  Status settle_tokens() {
    if (pool_ == nullptr) return Status::ok();
    OSIER_RETURN_IF_ERROR(submit_batch());
    return wait_tokens();
  }

  // Decodes the next entry header, buffering more of the input until it fits (up to the cap).
  Result<EntryHeader> read_header(const model::Entry& prev_entry,
                                  const meadowcap::MeadowcapAuthorisationToken& prev_token) {
    const std::uint64_t at = in_.position();
    std::size_t want = std::min(kInitialHeaderLookahead, options_.max_entry_header_bytes);
    for (;;) {
      OSIER_ASSIGN_OR_RETURN(ByteView avail, in_.peek(want));
      Decoder dec(avail);
      Result<EntryHeader> r = decode_entry_header(dec, prev_entry, prev_token);
      if (r.is_ok()) {
        last_header_bytes_ = dec.position();
        in_.consume(dec.position());
        return r;
      }
      // A decoder that ran out of input may say so in several ways: retry with more input
      // until the input or the cap ends.
      if (avail.size() < want) {
        if (r.status().code() == ErrorCode::kIncomplete) {
          return truncated(in_.position() + avail.size(), "inside an entry header");
        }
        return corrupt(at, "entry " + std::to_string(stats_.entries) + ": " + r.status().message());
      }
      if (want >= options_.max_entry_header_bytes) {
        if (r.status().code() == ErrorCode::kIncomplete) {
          return error(ErrorCode::kOutOfRange, "drop: an entry header longer than the limit of " +
                                                   std::to_string(options_.max_entry_header_bytes) +
                                                   " bytes");
        }
        return corrupt(at, "entry " + std::to_string(stats_.entries) + ": " + r.status().message());
      }
      want = std::min(want * 2, options_.max_entry_header_bytes);
    }
  }

  Status entry(const EntryHeader& header) {
    const model::Entry& e = header.entry;
    const std::uint64_t at = in_.position();
    OSIER_RETURN_IF_ERROR(count_expansion(header));
    if (pool_ != nullptr) {
      OSIER_RETURN_IF_ERROR(queue_token(header));
    } else {
      // spec: meadowcap#meadowcap_is_authorised_write
      Status authorised = meadowcap::meadowcap_check_authorised_write(e, header.token, verified_);
      if (!authorised.is_ok()) return not_authorised(stats_.entries, authorised);
    }
    std::optional<StagedPayload> staged;
    // The empty payload has one chunk, which is empty: its full slice (mode 01 with no bytes,
    // or a one-chunk slice in mode 10 or 11) is valid and verified like any other
    // (SPEC-NOTES "Drops").
    switch (header.mode) {
      case SliceMode::kNone:
        break;
      case SliceMode::kFullRaw:
        OSIER_RETURN_IF_ERROR(raw_payload(e, staged));
        break;
      case SliceMode::kPrefix: {
        OSIER_ASSIGN_OR_RETURN(ByteView b, in_.peek(9));
        Decoder dec(b);
        Result<std::uint64_t> count = c64_decode_standalone(dec, DecodeMode::kAny);
        if (!count.is_ok()) {
          if (b.size() < 9) return truncated(in_.position() + b.size(), "inside a slice length");
          return corrupt(in_.position(), count.status().message());
        }
        in_.consume(dec.position());
        if (*count == 0) return corrupt(at, "a payload slice of zero chunks");
        Slices state(e);
        OSIER_RETURN_IF_ERROR(slice(e, state, {0, *count}));
        OSIER_RETURN_IF_ERROR(finish_slices(e, state, staged));
        break;
      }
      case SliceMode::kSlices:
        OSIER_RETURN_IF_ERROR(slices(e, staged));
        break;
    }
    if (staging_ != nullptr) {
      OSIER_ASSIGN_OR_RETURN(Bytes token, store::encode_token_bytes(header.token));
      OSIER_RETURN_IF_ERROR(staging_->add_entry({e, std::move(token)}, staged));
    }
    ++stats_.entries;
    if (options_.progress) {
      ImportProgress p;
      p.drop_bytes = in_.position();
      p.entries = stats_.entries;
      options_.progress(p);
    }
    return Status::ok();
  }

  // Adds the entry's decoded size, with its whole token, to what the drop has expanded to, and
  // refuses a drop past ImportOptions::max_expansion (checked before the token or anything else
  // of the entry costs work).
  Status count_expansion(const EntryHeader& header) {
    std::uint64_t bytes = 256 + header.entry.path.total_length();
    for (const meadowcap::Delegation& d : header.token.capability.delegations()) {
      bytes += 128 + d.area.path.total_length();
    }
    expanded_ += bytes;
    const std::uint64_t read = in_.position();
    const std::uint64_t per = options_.max_expansion;
    const std::uint64_t scaled = per != 0 && read > UINT64_MAX / per ? UINT64_MAX : read * per;
    if (expanded_ <= std::max(options_.max_expansion_floor, scaled)) return Status::ok();
    return error(ErrorCode::kOutOfRange, "drop: its entries with their tokens decode to " +
                                             std::to_string(expanded_) + " bytes from " +
                                             std::to_string(read) + " bytes of drop (more than " +
                                             std::to_string(per) + " times, past " +
                                             std::to_string(options_.max_expansion_floor) +
                                             " bytes): its entries reuse very long capabilities");
  }

  Status reserve_staging(std::uint64_t n) {
    if (staging_ == nullptr) return Status::ok();
    if (n > options_.max_staged_payload_bytes -
                std::min(options_.max_staged_payload_bytes, staging_->payload_bytes())) {
      return error(ErrorCode::kOutOfRange, "drop: its payloads exceed the limit of " +
                                               std::to_string(options_.max_staged_payload_bytes) +
                                               " bytes");
    }
    return Status::ok();
  }

  // spec: drop_format#slice_mode (01) — the raw payload, hashed as it streams past.
  Status raw_payload(const model::Entry& e, std::optional<StagedPayload>& staged) {
    OSIER_RETURN_IF_ERROR(reserve_staging(e.payload_length));
    if (staging_ != nullptr)
      staged = StagedPayload{staging_->payload_bytes(), e.payload_length, {}};
    store::PayloadHasher hasher([](ByteView) { return Status::ok(); });
    std::uint64_t left = e.payload_length;
    while (left > 0) {
      OSIER_ASSIGN_OR_RETURN(ByteView b, in_.peek(1));
      if (b.empty()) return truncated(in_.position(), "inside a payload");
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, b.size()));
      const ByteView piece = b.first(n);
      OSIER_RETURN_IF_ERROR(hasher.update(piece));
      if (staging_ != nullptr) OSIER_RETURN_IF_ERROR(staging_->add_payload_bytes(piece));
      in_.consume(n);
      left -= n;
      report_bytes();
    }
    if (!hasher.finish(e).is_ok()) {
      return error(ErrorCode::kVerification, "drop: the payload of entry " +
                                                 std::to_string(stats_.entries) +
                                                 " does not match its digest");
    }
    return Status::ok();
  }

  // The slices of one entry's payload, as they are verified. Slices that continue the chunks
  // from 0 on are staged (a store keeps payloads as verified prefixes); the labels the
  // verifier reports serve the prefix's frontier and the later slices' left skips.
  struct Slices {
    explicit Slices(const model::Entry& e)
        : geo(e.payload_length, crypto::william3_bab().chunk_size()) {}
    crypto::BabGeometry geo;
    crypto::BabLabelCache labels;
    std::uint64_t count = 0;       // slices so far
    std::uint64_t prev_end = 0;    // exclusive end chunk of the previous slice
    std::uint64_t prefix_end = 0;  // chunks [0, prefix_end) verified (and staged)
    std::uint64_t staged_at = 0;   // where the prefix's bytes start in the staging
    // The prefix's frontier, taken when a slice after a gap ends the prefix (the cache forgets
    // labels left of the slices it goes on to verify).
    std::optional<std::vector<crypto::BabLabel>> frontier;
  };

  // spec: drop_format#slice_mode (11) — slices, each after a slice header.
  Status slices(const model::Entry& e, std::optional<StagedPayload>& staged) {
    Slices state(e);
    for (;;) {
      OSIER_ASSIGN_OR_RETURN(ByteView b, in_.peek(17));
      if (b.empty()) return truncated(in_.position(), "inside the slices of an entry");
      if (!starts_slice_header(b[0])) {
        if (state.count == 0) return corrupt(in_.position(), "slice mode 11 without slices");
        return finish_slices(e, state, staged);
      }
      const std::uint64_t at = in_.position();
      Decoder dec(b);
      Result<SliceHeader> h = decode_slice_header(dec);
      if (!h.is_ok()) {
        if (h.status().code() == ErrorCode::kIncomplete) {
          return truncated(at + b.size(), "inside a slice header");
        }
        return corrupt(at, h.status().message());
      }
      in_.consume(dec.position());
      if (state.count >= options_.max_slices_per_entry) {
        return error(ErrorCode::kOutOfRange, "drop: an entry with more than " +
                                                 std::to_string(options_.max_slices_per_entry) +
                                                 " slices");
      }
      const std::uint64_t prev_end = state.prev_end;
      if (h->offset > UINT64_MAX - prev_end || h->chunk_count > UINT64_MAX - prev_end - h->offset) {
        return corrupt(at, "a payload slice beyond the payload");
      }
      OSIER_RETURN_IF_ERROR(slice(e, state, {prev_end + h->offset, h->chunk_count}));
    }
  }

  // The entry's payload as staged once its slices are verified: complete, a prefix with its
  // frontier, or nothing.
  Status finish_slices(const model::Entry& e, const Slices& state,
                       std::optional<StagedPayload>& staged) {
    if (staging_ == nullptr || state.prefix_end == 0) return Status::ok();
    const crypto::BabNode prefix{0, state.prefix_end};
    StagedPayload p{state.staged_at, state.geo.byte_end(prefix), {}};
    if (p.length < e.payload_length) {
      std::optional<std::vector<crypto::BabLabel>> frontier =
          state.frontier ? state.frontier : state.labels.frontier(state.geo, state.prefix_end);
      if (!frontier)
        return error(ErrorCode::kInternal, "drop: a payload prefix's labels went missing");
      p.frontier = std::move(*frontier);
    }
    staged = std::move(p);
    return Status::ok();
  }

  // One 64-grouped baseline slice stream, verified against the entry's digest, with the
  // maximal left skip its predecessors allow (SPEC-NOTES "Drops").
  Status slice(const model::Entry& e, Slices& state, crypto::BabSlice s) {
    const std::uint64_t at = in_.position();
    const crypto::BabGeometry& geo = state.geo;
    if (s.chunk_count == 0) return corrupt(at, "a payload slice of zero chunks");
    if (s.first_chunk >= geo.num_chunks() || s.chunk_count > geo.num_chunks() - s.first_chunk) {
      return corrupt(
          at, "entry " + std::to_string(stats_.entries) + ": a payload slice beyond the payload");
    }
    crypto::BabStreamOptions opts = drop_slice_options(s);
    if (state.count > 0) {
      opts.left_skip = crypto::bab_max_left_skip(geo, opts.k, state.prev_end, s.first_chunk);
    }
    OSIER_ASSIGN_OR_RETURN(std::uint64_t len, stream_length(opts, e.payload_length));
    OSIER_ASSIGN_OR_RETURN(crypto::BabVerifier verifier,
                           crypto::BabVerifier::create(e.payload_digest, opts, e.payload_length,
                                                       crypto::william3_bab(), kMaxGroupBytes));
    verifier.set_known_labels([&state](crypto::BabNode n) { return state.labels.find(n); });
    verifier.set_label_observer(state.labels.observer());
    const bool stage = staging_ != nullptr && s.first_chunk == state.prefix_end;
    if (!stage && state.prefix_end > 0 && state.prefix_end < geo.num_chunks() && !state.frontier) {
      state.frontier = state.labels.frontier(geo, state.prefix_end);
    }
    if (stage) {
      OSIER_RETURN_IF_ERROR(reserve_staging(geo.byte_len({s.first_chunk, s.chunk_count})));
      if (state.prefix_end == 0) state.staged_at = staging_->payload_bytes();
    } else {
      ++stats_.slices_not_stored;
    }
    Status write_status;
    auto release = [&](ByteView bytes) {
      if (stage && write_status.is_ok()) write_status = staging_->add_payload_bytes(bytes);
    };
    std::uint64_t left = len;
    while (left > 0) {
      OSIER_ASSIGN_OR_RETURN(ByteView b, in_.peek(1));
      if (b.empty()) return truncated(in_.position(), "inside a payload slice");
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, b.size()));
      Status st = verifier.feed(b.first(n), release);
      OSIER_RETURN_IF_ERROR(write_status);
      if (!st.is_ok()) return verification_failed(st);
      in_.consume(n);
      left -= n;
      // Keep the label cache small on long slices.
      if (state.labels.size() > kMaxCachedLabels) {
        state.labels.prune(geo,
                           s.first_chunk + verifier.verified_prefix_length() / geo.chunk_size());
      }
      report_bytes();
    }
    Status st = verifier.finish(release);
    OSIER_RETURN_IF_ERROR(write_status);
    if (!st.is_ok()) return verification_failed(st);
    ++state.count;
    state.prev_end = s.first_chunk + s.chunk_count;
    if (stage) state.prefix_end = state.prev_end;
    state.labels.prune(geo, state.prev_end);
    return Status::ok();
  }

  Status verification_failed(const Status& st) const {
    return error(ErrorCode::kVerification, "drop: a payload slice of entry " +
                                               std::to_string(stats_.entries) +
                                               " does not match its digest (" + st.message() + ")");
  }

  void report_bytes() {
    if (!options_.progress) return;
    // Large payloads: report every few MiB, not per piece.
    if (in_.position() - last_report_ < (std::uint64_t{4} << 20)) return;
    last_report_ = in_.position();
    ImportProgress p;
    p.drop_bytes = in_.position();
    p.entries = stats_.entries;
    options_.progress(p);
  }

  DropInput in_;
  const ImportOptions& options_;
  Staging* staging_;
  ImportStats stats_;
  std::uint64_t last_report_ = 0;
  std::size_t last_header_bytes_ = 0;
  // Token checks: null on one core (each token is checked as its entry is read).
  // What each thread checking tokens remembers of valid capabilities: enough for any capability
  // an entry header may hold (a drop reusing one long capability costs one check of it).
  static meadowcap::VerifiedCapabilities::Limits verified_limits(const ImportOptions& o) {
    meadowcap::VerifiedCapabilities::Limits l;
    l.max_bytes = std::max(l.max_bytes, o.max_entry_header_bytes);
    return l;
  }
  meadowcap::VerifiedCapabilities verified_;  // without the pool
  std::uint64_t expanded_ = 0;                // the entries' decoded bytes so far
  std::unique_ptr<meadowcap::TokenCheckPool> pool_;
  std::vector<meadowcap::TokenCheckPool::Item> batch_;  // queued, not yet handed to the pool
  std::uint64_t batch_first_ = 0;                       // drop index of batch_[0]
  std::size_t batch_bytes_ = 0;
  bool checking_ = false;             // the pool holds a batch
  std::uint64_t checking_first_ = 0;  // drop index of its first entry
};

// The second pass: every staged entry with its staged payload bytes, in one store change
// (Store::import), so that a failure there — a full disk, say — leaves the store as it was.
Status ingest(store::Store& store, const Staging& staging, const ImportOptions& options,
              ImportStats& stats) {
  OSIER_ASSIGN_OR_RETURN(Staging::EntryReader reader, staging.entries());
  ImportProgress prog;
  prog.phase = ImportProgress::Phase::kIngest;
  prog.drop_bytes = stats.drop_bytes;
  prog.total_entries = stats.entries;
  // The payload bytes of the current item, read back from the staging in pieces.
  std::uint64_t payload_at = 0;
  std::uint64_t payload_left = 0;
  const store::PayloadSource payload = [&](MutableByteView out) -> Result<std::size_t> {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), payload_left));
    if (n == 0) return std::size_t{0};
    OSIER_RETURN_IF_ERROR(staging.read_payload(payload_at, out.first(n)));
    payload_at += n;
    payload_left -= n;
    return n;
  };
  const store::ImportSource next = [&]() -> Result<std::optional<store::ImportItem>> {
    OSIER_ASSIGN_OR_RETURN(std::optional<StagedEntry> staged, reader.next());
    if (!staged) return std::optional<store::ImportItem>();
    if (options.progress && ++prog.entries % kProgressEvery == 0) options.progress(prog);
    store::ImportItem item{std::move(staged->authorised), 0, payload, {}};
    if (staged->payload) {
      item.payload_bytes = staged->payload->length;
      item.frontier = std::move(staged->payload->frontier);
      payload_at = staged->payload->offset;
      payload_left = staged->payload->length;
    }
    return std::optional<store::ImportItem>(std::move(item));
  };
  // Every token was verified in the first pass.
  OSIER_ASSIGN_OR_RETURN(store::ImportTotals totals,
                         store.import(next, store::Trust::kAlreadyVerified));
  stats.inserted = totals.inserted;
  stats.obsolete = totals.obsolete;
  stats.rejected = totals.rejected;
  stats.pruned = totals.pruned;
  stats.payloads_written = totals.payloads_completed;
  stats.partial_payloads_written = totals.prefixes_stored;
  stats.payload_bytes = totals.payload_bytes;
  prog.entries = stats.entries;
  if (options.progress) options.progress(prog);
  return Status::ok();
}

}  // namespace

Result<ImportStats> verify_drop(const ByteSource& source, const ImportOptions& options) {
  Verifier v(source, options, nullptr);
  return v.run();
}

Result<ImportStats> import_drop(store::Store& store, const ByteSource& source,
                                const ImportOptions& options) {
  OSIER_ASSIGN_OR_RETURN(std::unique_ptr<Staging> staging, Staging::create(options.staging_parent));
  if (options.staging_made) options.staging_made(staging->dir(), staging->files());
  Verifier v(source, options, staging.get());
  OSIER_ASSIGN_OR_RETURN(ImportStats stats, v.run());
  OSIER_RETURN_IF_ERROR(ingest(store, *staging, options, stats));
  return stats;
}

}  // namespace osier::drop
