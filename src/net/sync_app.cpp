#include "net/sync_app.hpp"

#include <algorithm>
#include <random>
#include <utility>

namespace osier::net {

std::uint64_t SyncApp::unique_session_id(std::uint64_t n) {
  // Chosen once per process, never 0 (Origin 0 is "local"): origins are logged in the store's
  // event log and read by other processes (a daemon polling what `osier sync` brought in), so
  // they must not collide with another process's session numbers.
  static const std::uint64_t prefix = [] {
    std::random_device rd;
    std::uint64_t p = 0;
    while (p == 0) p = ((std::uint64_t{rd()} << 16) ^ rd()) & 0x7fffffff;
    return p;
  }();
  return (prefix << 32) | (n & 0xffffffff);
}

SyncApp::SyncApp(store::Store& store, const crypto::Ed25519PublicKey& own_key,
                 SyncAppOptions options)
    : store_(store), own_key_(own_key), options_(std::move(options)) {}

SyncApp::~SyncApp() {
  // First, while every member lives: ending the session stores its last verified batch through
  // ingest(), which counts it in summary_ (declared after session_, so destroyed before it).
  session_.reset();
}

sync::LcmuxSessionOptions SyncApp::lcmux_options() {
  sync::LcmuxSessionOptions o = ConnectionOptions::default_lcmux();
  o.client.optimistic = false;
  // One IssueGuarantees per quarter window, not one per read (each costs both sides a transport
  // chunk, a write and a wake-up: docs/benchmarks.md, "A 1 GiB payload over loopback").
  o.server.batch_guarantees = true;
  return o;
}

Status check_max_open_ranges(std::size_t n) {
  static_assert(kDefaultMaxOpenRanges == sync::RbsrConfig{}.max_open_ranges);
  if (n < kMinMaxOpenRanges || n > kMaxMaxOpenRanges) {
    return error(ErrorCode::kInvalidArgument,
                 "the reconciliation ranges open at once must be between " +
                     std::to_string(kMinMaxOpenRanges) + " and " +
                     std::to_string(kMaxMaxOpenRanges) + ", not " + std::to_string(n));
  }
  return Status::ok();
}

Status SyncApp::on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux) {
  mux_ = &mux;
  OSIER_RETURN_IF_ERROR(mux.set_capacity(static_cast<std::uint64_t>(sync::LogicalChannel::kData),
                                         options_.data_channel_capacity));
  OSIER_RETURN_IF_ERROR(
      mux.set_capacity(static_cast<std::uint64_t>(sync::LogicalChannel::kReconciliation),
                       options_.reconciliation_channel_capacity));
  sync::SessionStore io;
  io.snapshots = [this](const model::NamespaceId& ns) { return snapshot(ns); };
  io.ingest = [this](const sync::RbsrEntriesEvent& batch) { return ingest(batch); };
  io.payloads = &store_;
  OSIER_ASSIGN_OR_RETURN(
      session_, sync::Session::create(options_.session, handshake, own_key_, std::move(io)));
  summary_.established = true;
  return Status::ok();
}

void SyncApp::on_closed() {
  if (!session_) return;
  session_->keep_verified();
  copy_session_stats();
}

Status SyncApp::ingest(const sync::RbsrEntriesEvent& batch) {
  OSIER_ASSIGN_OR_RETURN(
      const std::vector<store::IngestResult> results,
      store_.ingest_batch(batch.entries, store::Trust::kAlreadyVerified, batch.origin));
  for (const store::IngestResult& r : results) {
    if (r.outcome == store::IngestOutcome::kInserted) {
      ++summary_.entries_new;
      summary_.entries_pruned += r.pruned;
    }
  }
  return Status::ok();
}

Result<std::shared_ptr<const store::NamespaceSnapshot>> SyncApp::snapshot(
    const model::NamespaceId& ns) {
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t seq, store_.last_sequence());
  auto it = snapshots_.find(ns);
  if (it == snapshots_.end()) {
    // An LmdbStore snapshot holds one of the process's ~1000 LMDB reader slots: keep at most
    // kMaxCachedSnapshots, dropping the least recently used (a daemon session may reconcile
    // thousands of namespaces; every session of the process shares the slots).
    if (snapshots_.size() >= kMaxCachedSnapshots) {
      auto oldest = snapshots_.begin();
      for (auto i = snapshots_.begin(); i != snapshots_.end(); ++i) {
        if (i->second.used < oldest->second.used) oldest = i;
      }
      snapshots_.erase(oldest);
    }
    it = snapshots_.emplace(ns, Cached{}).first;
  }
  Cached& c = it->second;
  c.used = ++snapshot_uses_;
  if (!c.snapshot || c.sequence != seq) {
    c.snapshot.reset();  // its reader slot goes before the next one is taken
    OSIER_ASSIGN_OR_RETURN(c.snapshot, store_.snapshot(ns));
    c.sequence = seq;
  }
  return c.snapshot;
}

Status SyncApp::on_global(ByteView message) {
  if (!session_ || mux_ == nullptr) {
    return error(ErrorCode::kInternal, "sync: a global message before the session started");
  }
  OSIER_RETURN_IF_ERROR(start_round());
  Status st = session_->on_global(*mux_, message);
  if (!st) {
    summary_.failure = st.to_string();
    copy_session_stats();
  }
  return st;
}

Status SyncApp::start_round() {
  // The store's event number before the session reads anything of the peer's: a match found
  // before the next drain_events holds as of it (snapshots are taken at or after it).
  if (!round_sequence_) {
    OSIER_ASSIGN_OR_RETURN(const std::uint64_t seq, store_.last_sequence());
    round_sequence_ = seq;
  }
  return Status::ok();
}

Status SyncApp::drain_events() {
  while (std::optional<sync::SessionEvent> e = session_->poll_event()) {
    if (const auto* o = std::get_if<sync::PioOverlapEvent>(&*e)) {
      ++summary_.overlaps;
      ++summary_.namespaces[o->namespace_id].overlaps;
      namespace_of_[{o->own_capability, o->peer_capability}] = {o->namespace_id,
                                                                round_sequence_.value_or(0)};
    } else if (const auto* c = std::get_if<sync::RbsrRootCompleteEvent>(&*e)) {
      if (const auto it = namespace_of_.find({c->own_capability, c->peer_capability});
          it != namespace_of_.end()) {
        ++summary_.namespaces[it->second.first].roots_complete;
      }
    } else if (const auto* m = std::get_if<sync::RbsrRootMatchedEvent>(&*e)) {
      NamespaceProgress& p = summary_.namespaces[m->namespace_id];
      ++p.roots_matched;
      // Alfie's root fingerprint was read when the overlap was found, Betty's now: every snapshot
      // read since either round began is at least as new as its start.
      std::uint64_t as_of = round_sequence_.value_or(0);
      if (const auto it = namespace_of_.find({m->own_capability, m->peer_capability});
          it != namespace_of_.end()) {
        as_of = std::min(as_of, it->second.second);
      }
      p.matched_as_of = as_of;
    }
    if (options_.on_event) options_.on_event(*e);
  }
  round_sequence_.reset();
  copy_session_stats();
  return Status::ok();
}

// Also after a failure (drain_events does not run then): the entries the failing session still
// stored were counted by it, and entries_new by ingest().
void SyncApp::copy_session_stats() {
  summary_.roots = session_->root_count();
  summary_.roots_complete = session_->completed_root_count();
  const sync::SessionStats& st = session_->stats();
  summary_.entries_received = st.entries_received;
  summary_.entries_sent = st.entries_sent;
  summary_.entries_forwarded = st.entries_forwarded;
  summary_.round_trips = st.round_trips;
  summary_.widest_open_ranges = st.widest_open_ranges;
  summary_.payloads_sent = st.payloads_sent;
  summary_.payload_bytes_sent = st.payload_bytes_sent;
  summary_.payloads_received = st.payloads_received;
  summary_.payload_bytes_received = st.payload_bytes_received;
}

Status SyncApp::on_progress(sync::LcmuxSession& mux) {
  if (!session_) return Status::ok();
  OSIER_RETURN_IF_ERROR(start_round());
  Status st = session_->on_progress(mux);
  if (st) st = drain_events();
  if (!st) {
    summary_.failure = st.to_string();
    copy_session_stats();
    return st;
  }
  const bool idle = session_->idle(mux);
  if (!idle) {
    idle_since_.reset();
  } else if (!idle_since_) {
    idle_since_ = Clock::now();
  }
  // In sync: every root complete, nothing owed by the peer that would start another, and quiet
  // for `settle` both ways — the peer may still declare interests whose overlaps are not found
  // yet (no message says it declared all; docs/spec-notes.md "Session: when a one-shot sync is
  // done").
  // (awaiting_peer is O(overlaps): asked only once quiet for the settle time.)
  const auto quiet = idle_since_ ? Clock::now() - *idle_since_ : Clock::duration::zero();
  const bool settled = idle_since_ && quiet >= options_.settle;
  awaiting_ = settled && session_->awaiting_peer();
  summary_.in_sync = settled && !awaiting_ && summary_.roots_complete == summary_.roots;
  if (options_.one_shot && settled && (!awaiting_ || quiet >= options_.await_peer)) {
    close_ = true;
  }
  if (options_.progress) options_.progress(summary_);
  return Status::ok();
}

void SyncApp::offer_entry(const model::Entry& entry, const store::Origin& origin) {
  if (!session_ || close_ || session_->failed()) return;
  session_->offer_entry(entry, origin);
  if (session_->forwarding_overflowed()) {
    return request_close(
        "more new entries than the forwarding queue holds: reconnecting to "
        "reconcile afresh");
  }
  if (wake_) wake_();
}

Result<std::optional<std::uint64_t>> SyncApp::request_payload(const model::Entry& entry) {
  if (!session_ || close_ || session_->failed()) {
    return error(ErrorCode::kNotFound, "sync: no session to ask");
  }
  Result<std::optional<std::uint64_t>> r = session_->request_payload(entry);
  if (r && *r && wake_) wake_();
  return r;
}

void SyncApp::request_close(std::string reason) {
  if (!reason.empty() && summary_.failure.empty()) summary_.failure = std::move(reason);
  close_ = true;
  if (wake_) wake_();
}

std::optional<SyncApp::Clock::time_point> SyncApp::wake_at() const {
  // One-shot: close after settling; live: tell the progress that it settled (in_sync).
  if (close_ || !idle_since_ || (!options_.one_shot && summary_.in_sync)) return std::nullopt;
  // Settled but the peer owes something: a one-shot gives up after await_peer; a live session
  // needs no timer (what the peer sends wakes it).
  if (awaiting_) {
    if (!options_.one_shot) return std::nullopt;
    return *idle_since_ + std::max(options_.settle, options_.await_peer);
  }
  return *idle_since_ + options_.settle;
}

}  // namespace osier::net
