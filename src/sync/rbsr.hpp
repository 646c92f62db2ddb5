// 3d range-based set reconciliation: the sans-IO core of one session side. It starts a root
// range per overlap of read capabilities (Alfie only), answers the peer's fingerprints by
// matching, splitting or announcing entries, answers announcements that want a response, turns
// received entries into verified batches to ingest, and tracks when each root is complete.
// spec: rbsr#d3rbsr, confidential_sync#sync_reconciliation, confidential_sync#RangeInfo,
// grouping_entries#D3Range
//
// Consumes: PioOverlapEvents (on_overlap, in the order PIO emitted them; they name the handle
// pairs that RangeInfos may use, and on Alfie each starts a root), then the peer's decoded
// reconciliation messages in the order they arrived (one stream across the Reconciliation and
// Data channels). Reads the store only through NamespaceSnapshots from `snapshots`, asked once
// per root we start, received fingerprint, and announcement we send (as its head is sent; only
// the announcement being sent holds one). So a store written during sync is fine: every message
// is answered from one snapshot, and a later reconciliation picks up the rest. The source may
// return the same snapshot until the store changes, and should: a MemoryStore snapshot is an O(n)
// copy, and each LmdbStore snapshot holds a reader slot. Never writes the store. Emits: the
// messages to send, in order (poll_message; the Data channel messages form whole announcement
// streams, so they must be sent in this order), and events (poll_event): batches of verified
// entries to ingest (with Origin::remote(session_id); ingest them with Trust::kAlreadyVerified,
// pruning is the store's), and root completion.
//
// Decisions (rbsr.cpp, each in one function): a fingerprint equal to ours is answered with an
// empty announcement without response (SPEC-NOTES Sync 14); otherwise, if we hold at most
// send_entries_threshold entries of the range, we announce them with want_response and
// will_sort (we always send in (subspace, path) order); otherwise we split the range into at
// most split_factor parts with roughly equal entry counts and send their fingerprints — unless
// that would take our open ranges past a quarter of max_open_ranges: then we announce our
// entries with want_response instead, so that an honest sync of any size stays within the
// limit (may_split says when that holds). And while our announcements awaiting answers fill
// another quarter, received fingerprints wait unanswered (may_answer), so the bound holds in
// whatever order the two channels deliver. Betty, besides, paces her splits (may_split_paced):
// a fingerprint she would split waits while Alfie's answers to her open ranges could take him
// past his own split budget, and the waiting ones are split newest first; so a sync wider than
// the limit goes deeper before it goes wider, and Alfie need not announce whole ranges for want
// of room (1M vs 1M scattered: 91 MB on the wire without the pacing, 20 MB with it).
// An announcement with want_response is answered after its last entry with our entries of the
// range, omitting those equal (as LengthyAuthorisedEntries) to ones just received; an entry the
// peer sent with a strict prefix of its payload goes with the offset of the first Chunk it lacks
// (so a payload cut mid-way resumes from there). Payloads are
// not sent here: each ReconciliationSendEntry is followed directly by its
// ReconciliationTerminatePayload (the session adds eager ReconciliationSendPayloads later);
// `available` is what our store holds, as the fingerprints count it; received payload messages
// are checked for their place only (the session verifies and stores their bytes).
//
// Completion per root (SPEC-NOTES Sync 15, docs/spec-notes.md "RBSR completion"): we track the
// ranges whose fingerprints we sent and the announcements with want_response we sent. A sent
// fingerprint's range is answered by an announcement of exactly that range, or once the peer's
// fingerprints of sub-ranges of it cover it (each received fingerprint counts against the
// smallest of our open ranges that includes it; we keep what is still uncovered as a list of
// disjoint boxes; sync/open_ranges.hpp indexes them); an announcement with want_response is
// answered by the peer's announcement without want_response for the same range, once its entries
// have all arrived. A root is complete when nothing of it is open and we owe nothing for it (no
// queued messages of it, no incoming announcement stream of it unfinished). Every message of the
// peer's for a root is an answer to one of ours (or the root message), so by then nothing more of
// it can arrive.
//
// Errors (the peer broke the protocol; the session ends), kInvalidArgument: a RangeInfo whose
// handle pair no overlap event named, or whose range the pair's intersected area does not
// include, or with a root id that names no root message yet; a non-root message for a root
// that is complete; a reconciliation message out of its place (SendEntry without an open
// announcement, payload messages without an entry, an announcement while one is open); an
// entry outside the announced range or namespace, or whose token does not authorise it
// (SPEC-NOTES Sync 18 read for reconciliation); a root message beyond max_roots or
// max_root_bytes; more than max_open_ranges open ranges in total, or a range fragmented into more
// than max_remainder_boxes uncovered boxes, or more than 4 * max_open_ranges uncovered boxes across
// all open ranges, or our open ranges and boxes cut by the peer's ranges past max_open_bytes with
// their paths (we split within a quarter of it), or more than max_open_ranges received
// fingerprints waiting, or more than 512 bytes of their paths per max_open_ranges (an honest peer
// with a limit like ours has at most a quarter of it open; one with a limit over 4 times ours may
// be refused). Store failures (kIo, kCorrupt) are returned as they are. After an error the core
// stays failed: every later call returns the same error.
//
// Memory: per root a record (at most max_roots, and max_root_bytes of them with their ranges'
// paths: a root message beyond is an error; completed roots keep theirs); per overlap event a
// record (PIO bounds them); per open range its range and at most max_remainder_boxes boxes, at most
// max_open_ranges of these in total (each received fingerprint adds at most split_factor), at most
// 4 * max_open_ranges boxes in total, and at most 2 * max_open_ranges index nodes (about 0.5 KiB
// per range, 0.3 KiB per box with ordinary paths; these ranges' paths may be the peer's, up to 4
// KiB each, so all of them together are also bounded in bytes: max_open_bytes, 128 MiB at the
// default, besides twice the roots' bytes; counted as range_bytes); our announcements awaiting an
// answer (at most a quarter of max_open_ranges, and while they hold less than 512 bytes per
// max_open_ranges: 32 MiB at the default, see may_answer); the received fingerprints waiting for an
// answer or for room to split (together at most max_open_ranges, and 512 bytes of them per
// max_open_ranges, about: 32 MiB at the default); the omission set of the incoming announcement, at
// most max_omitted fingerprints (32 bytes; beyond it we omit nothing more and send some entries
// again, which is harmless); the current ingest batch, at most ingest_batch entries and, but for
// its last entry, ingest_batch_bytes of paths and tokens (about 0.5 KiB an entry for one
// undelegated capability: 0.5 MiB a full batch); the outgoing queue holds at most split_factor
// messages and one pending announcement per received fingerprint or announcement not yet polled (an
// announcement's entries are read lazily from its snapshot, never all queued), so the session must
// poll after each call (events first: ingest them, then messages); the event queue holds the
// batches not yet polled; the capabilities proven valid (meadowcap/verified_capabilities.hpp: at
// most 1024 of at most 256 KiB of codes in total). Not thread-safe; one core per session side.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "meadowcap/verified_capabilities.hpp"
#include "osier/base/status.hpp"
#include "osier/model/range.hpp"
#include "osier/store/snapshot.hpp"
#include "osier/store/types.hpp"
#include "sync/decoder_state.hpp"
#include "sync/messages.hpp"
#include "sync/open_ranges.hpp"
#include "sync/pio.hpp"

namespace osier::sync {

using SnapshotSource = std::function<Result<std::shared_ptr<const store::NamespaceSnapshot>>(
    const model::NamespaceId&)>;

struct RbsrConfig {
  SyncRole role = SyncRole::kAlfie;
  std::uint64_t session_id = 1;  // received entries carry Origin::remote(session_id)
  // Measured defaults: docs/benchmarks.md "RBSR parameters".
  std::size_t split_factor = 8;            // >= 2
  std::size_t send_entries_threshold = 8;  // >= 1
  // A batch of received entries to ingest ends at ingest_batch entries, or once their paths and
  // tokens reach ingest_batch_bytes (docs/benchmarks.md "Initial sync": 1024 entries per LMDB
  // commit store 1.7-2x faster than 64).
  std::size_t ingest_batch = 1024;                        // >= 1
  std::size_t ingest_batch_bytes = std::size_t{1} << 20;  // >= 1
  std::size_t max_roots = 1 << 12;  // root records (ours and the peer's, complete or not)
  // Their bytes together (root_bytes: the record and its range's paths): about 400 bytes a root
  // with short paths, counted as up to 72 KiB with the longest (about 41 KiB in memory).
  std::size_t max_root_bytes = std::size_t{32} << 20;
  // Our fingerprints and announcements awaiting answers, across roots. Past a quarter of it we
  // stop splitting the peer's ranges and announce their entries instead (RbsrCore::may_split),
  // and while our announcements fill another quarter the peer's fingerprints wait unanswered
  // (RbsrCore::may_answer), so a sync with any number of differences stays within half of it.
  std::size_t max_open_ranges = 1 << 16;
  // Betty paces her splits so that Alfie's answers to them stay within a quarter of a limit like
  // ours (RbsrCore::may_split_paced): a sync too wide for the limit then goes deeper before it
  // goes wider, instead of announcing whole ranges. Off: the measurement's baseline.
  bool pace_splits = true;
  // Bytes our open ranges and their uncovered boxes may hold with their paths (OpenTally::bytes),
  // besides twice the roots' own bytes (a root's range is an open range and its box until
  // answered); 0: 2048 per max_open_ranges, at least 16 MiB (128 MiB at the default). We split
  // only while a split keeps them within a quarter of it (may_split, fits_split); beyond all of it
  // the peer is filling our memory with its paths, cutting our ranges (an error).
  std::size_t max_open_bytes = 0;
  std::size_t max_remainder_boxes = 256;
  std::size_t max_omitted = 1 << 16;
};

using RbsrMessage = std::variant<ReconciliationSendFingerprint, ReconciliationAnnounceEntries,
                                 ReconciliationSendEntry, ReconciliationTerminatePayload>;

// Verified entries of one root to ingest, in the order received. `held` counts the entries the
// peer sent in between that the store already held exactly (the same entry and token, found in a
// snapshot): they were neither verified again nor put in `entries`, and `entries` may be empty.
struct RbsrEntriesEvent {
  std::uint64_t root_id = 0;
  model::NamespaceId namespace_id{};
  std::vector<store::AuthorisedEntry> entries;
  store::Origin origin;
  std::size_t held = 0;
};

// Every entry of the root's range has been exchanged (as of the snapshots that answered).
struct RbsrRootCompleteEvent {
  std::uint64_t root_id = 0;
  std::uint64_t own_capability = 0;
  std::uint64_t peer_capability = 0;
  model::D3Range range;
};

// A root's whole range had equal fingerprints on both sides: the peer held exactly what we held
// there (as of the snapshot that answered). Alfie learns it from the peer's empty answer without
// response to the root fingerprint, Betty from the root fingerprint matching hers (SPEC-NOTES
// Sync 14). The daemon's acknowledgements (issue #15).
struct RbsrRootMatchedEvent {
  std::uint64_t root_id = 0;
  std::uint64_t own_capability = 0;
  std::uint64_t peer_capability = 0;
  model::NamespaceId namespace_id{};
  model::D3Range range;
};

using RbsrEvent = std::variant<RbsrEntriesEvent, RbsrRootCompleteEvent, RbsrRootMatchedEvent>;

class RbsrCore {
 public:
  // kInvalidArgument for split_factor < 2, send_entries_threshold, ingest_batch or
  // ingest_batch_bytes < 1.
  static Result<RbsrCore> create(const RbsrConfig& config, SnapshotSource snapshots);

  // A pair of bound read capabilities with intersecting granted areas (pio.hpp). Alfie starts a
  // root for it: the fingerprint of the intersection's 3d range, as a root message.
  Status on_overlap(const PioOverlapEvent& overlap);

  // The peer's reconciliation messages, decoded.
  Status on_send_fingerprint(const ReconciliationSendFingerprint& msg);
  Status on_announce_entries(const ReconciliationAnnounceEntries& msg);
  Status on_send_entry(const ReconciliationSendEntry& msg);
  Status on_send_payload(const ReconciliationSendPayload& msg);
  Status on_terminate_payload(const ReconciliationTerminatePayload& msg);

  // The next message to send; reads the store for announcements (its errors make the core
  // fail).
  Result<std::optional<RbsrMessage>> poll_message();
  std::optional<RbsrEvent> poll_event();
  // Ends the current ingest batch now (it becomes an event), so that the entries received so far
  // can be stored before what follows them (the session stores an entry before its payload, and
  // everything it read before it answers). A batch otherwise ends only when full, or when an
  // entry of another root arrives: it spans announcements.
  void flush_entries() { flush_batch(); }
  // Received entries or events not yet polled (the session is not idle while there are).
  bool has_pending() const { return batch_.has_value() || !events_.empty(); }

  bool failed() const { return !error_.is_ok(); }
  // Roots known (started or received) and how many of them are complete.
  std::size_t root_count() const { return roots_.size(); }
  std::size_t overlap_count() const { return overlaps_.size(); }  // on_overlap's pairs
  // O(1): the session asks after every round, and a daemon's session may have thousands.
  std::size_t completed_root_count() const { return completed_roots_; }
  // Ranges open across all roots (tests, memory accounting).
  std::size_t open_range_count() const { return open_total_; }
  // What our open ranges and their uncovered boxes hold with their paths, about (tests).
  std::size_t open_range_bytes() const { return open_held_.bytes; }
  // The most they held at once so far.
  std::size_t widest_open_range_bytes() const { return widest_open_bytes_; }
  // The most open ranges at once so far (within half of max_open_ranges plus the roots).
  std::size_t widest_open_range_count() const { return widest_open_; }
  // Received fingerprints whose answer waited for the peer to answer our announcements.
  std::uint64_t fingerprints_deferred() const { return fingerprints_deferred_; }
  // Received fingerprints whose split waited for room (may_split_paced; Betty only).
  std::uint64_t fingerprints_paced() const { return fingerprints_paced_; }
  // Mismatched ranges above send_entries_threshold we announced because splitting would have
  // taken our open ranges past a quarter of the limit (may_split): what the limit cost in bytes.
  std::uint64_t announced_for_room() const { return announced_for_room_; }
  // Messages queued and not yet polled (an announcement counts once, however many entries).
  std::size_t queued_messages() const { return messages_.size(); }

 private:
  using HandlePair = std::pair<std::uint64_t, std::uint64_t>;  // (ours, the peer's)
  struct Root {
    model::NamespaceId namespace_id{};
    HandlePair handles{};
    model::D3Range range;
    OpenRanges open;             // our fingerprints not yet answered
    RangeMultiset want_answers;  // our announcements with want_response
    std::size_t queued = 0;      // messages of it not yet polled
    std::size_t deferred = 0;    // the peer's fingerprints of it waiting in deferred_ or paced_
    bool incoming = false;       // its announcement stream is arriving
    bool complete = false;
  };
  // An announcement of ours, emitted lazily: head, then entries from the snapshot.
  struct Announcement {
    std::uint64_t root_id = 0;
    RangeInfo info;
    bool want_response = false;
    model::NamespaceId namespace_id{};
    bool empty = false;  // a match: is_empty, reads no snapshot
    // Taken when the head is sent (so queued announcements hold no snapshot).
    std::shared_ptr<const store::NamespaceSnapshot> snapshot;
    std::set<Fingerprint> omit;
    // Entries the peer holds with a strict prefix of their payload (key: lengthy_hash with
    // available 0): our ReconciliationSendEntry offers the payload from the Chunk it lacks.
    std::map<Fingerprint, std::uint64_t> peer_held;
    bool head_sent = false;
    std::optional<store::ScanPosition> after;  // the last entry scanned
    // Entries read ahead, up to kReadAhead (so the announcement knows which is the last): one
    // scan of the snapshot per kReadAhead entries, not one per entry (each scan descends the
    // store's index from its root).
    std::deque<store::LengthyAuthorisedEntry> ahead;
    bool scanned_all = false;        // no entries after `after`; the snapshot is released
    bool pending_terminate = false;  // the entry was sent, its TerminatePayload not yet
    bool done = false;               // the last message was produced
  };
  struct Outgoing {
    std::uint64_t root_id = 0;
    std::variant<ReconciliationSendFingerprint, Announcement> item;
  };
  struct Incoming {
    std::uint64_t root_id = 0;
    model::D3Range range;
    bool want_response = false;
    bool in_entry = false;
    std::set<Fingerprint> received;
    std::map<Fingerprint, std::uint64_t> peer_held;  // see Announcement::peer_held
    // What the store held when the first entry (since the last batch) arrived: received entries
    // found in it exactly are not verified again. Released at each batch, so an LMDB reader is
    // never held across the commits of a long announcement. `lookup_useless` when it could not
    // be taken, or after kMaxLookupMisses entries in a row were not held.
    std::shared_ptr<const store::NamespaceSnapshot> lookup;
    bool lookup_useless = false;
    std::size_t lookup_misses = 0;
  };
  struct Overlap {
    model::NamespaceId namespace_id{};
    model::D3Range range;
  };
  // A received fingerprint waiting for room to split (paced_).
  struct Paced {
    std::uint64_t root_id = 0;
    ReconciliationSendFingerprint msg;
  };

  static constexpr std::size_t kMaxLookupMisses = 32;
  // may_split_paced's estimate of the ranges the peer opens per range of ours it answers, over
  // about the last kAnswerWindow answers.
  static constexpr std::uint64_t kAnswerWindow = 2048;
  // Uncovered boxes across roots, per max_open_ranges: beyond, the peer is fragmenting our ranges
  // on purpose (an error).
  static constexpr std::size_t kBoxesPerOpenRange = 4;
  // Bytes of fingerprints waiting for an answer (waiting_bytes), per max_open_ranges: 32 MiB at
  // the default limit, room for a quarter of it waiting with paths of 2 KiB.
  static constexpr std::size_t kWaitingBytesPerOpenRange = 512;
  // What a fingerprint waiting in deferred_ or paced_ holds, about: the record and its paths.
  static std::size_t waiting_bytes(const ReconciliationSendFingerprint& msg);
  // RbsrConfig::max_open_bytes when 0: per max_open_ranges, and at least (a few splits of ranges
  // with paths near Willow'25's limits, so that small limits still admit honest long paths).
  static constexpr std::size_t kOpenBytesPerOpenRange = 2048;
  static constexpr std::size_t kMinOpenBytes = std::size_t{16} << 20;
  // What a root record holds, about (counted against max_root_bytes).
  static std::size_t root_bytes(const model::D3Range& range);

  RbsrCore(const RbsrConfig& config, SnapshotSource snapshots);

  Status fail(Status status);
  // The root a received RangeInfo belongs to (registering a root message), after checking its
  // handles and range.
  Result<std::uint64_t> root_of(const RangeInfo& info);
  // Registers a root (ours or the peer's) within max_roots and max_root_bytes.
  Result<Root*> add_root(std::uint64_t id, const model::NamespaceId& ns, const HandlePair& handles,
                         const model::D3Range& range);
  Status count_against_open(Root& root, const model::D3Range& range);
  // Counts the change to `open` (a root's open ranges, whose tally was `before`) in open_held_.
  void retally(const OpenTally& before, const OpenRanges& open);
  // RbsrConfig::max_open_bytes, resolved.
  std::size_t open_bytes_budget() const;
  // What our open ranges may hold before we stop splitting (a quarter of the budget), and before
  // the peer's cuts are an error (all of it); both besides twice the roots' bytes.
  std::size_t split_bytes_limit() const { return open_bytes_budget() / 4 + 2 * root_bytes_; }
  std::size_t open_bytes_limit() const { return open_bytes_budget() + 2 * root_bytes_; }
  // Whether splitting `whole` into `parts` keeps our open ranges within split_bytes_limit.
  bool fits_split(const model::D3Range& whole, const std::vector<store::RangePart>& parts) const;
  Status respond_to_fingerprint(std::uint64_t root_id, Root& root,
                                const ReconciliationSendFingerprint& msg);
  // Our split of the peer's range `whole`: the parts' fingerprints, each an open range.
  Status queue_split(std::uint64_t root_id, Root& root, const model::D3Range& whole,
                     const std::vector<store::RangePart>& parts);
  Status queue_fingerprint(std::uint64_t root_id, Root& root, const model::D3Range& range,
                           const Fingerprint& fp, bool is_root);
  Status queue_announcement(std::uint64_t root_id, Root& root, const model::D3Range& range,
                            bool want_response, std::set<Fingerprint> omit,
                            std::map<Fingerprint, std::uint64_t> peer_held = {});
  // Queues `a`; an empty announcement (a match) reads no snapshot.
  Status queue_announcement_with(Root& root, Announcement a, bool empty);
  Status read_ahead(Announcement& a);
  Status open_limit() const;
  // Whether a received fingerprint that mismatches may be answered by splitting its range (else
  // by announcing our entries of it): while our open ranges stay within the split budget.
  bool may_split() const;
  void count_opened() {
    ++open_total_;
    widest_open_ = std::max(widest_open_, open_total_);
  }
  // Betty's pacing (config_.pace_splits): whether a received fingerprint that we would split may
  // be split now (else it waits in paced_), so that Alfie's open ranges stay within a quarter of
  // a limit like ours.
  bool may_split_paced() const;
  // may_split_paced and may_split.
  bool room_to_split() const;
  // The peer's answer to one of our fingerprints opened `opened` ranges of its own (a fingerprint
  // of a part: 1; an announcement: 1 if it wants a response) and `closed` ours.
  void note_answer(std::uint64_t opened, bool closed);
  // Whether a received fingerprint may be answered now (else it waits in deferred_): while our
  // announcements awaiting answers stay within a quarter of the limit.
  bool may_answer() const;
  // Answers deferred fingerprints, oldest first, while may_answer().
  Status answer_deferred();
  // Answers paced fingerprints, newest first (the deepest ranges: depth before breadth), while
  // there is room to split and to announce (room_to_split, may_answer) or nothing of ours is
  // open.
  Status answer_paced();
  // Counts a received fingerprint of `root` that is to wait (in deferred_ or paced_) against the
  // bounds both share; an error beyond them.
  Status wait(Root& root, const ReconciliationSendFingerprint& msg);
  // Whether the store holds exactly `entry` with the token `token` (encoded), as of in.lookup.
  bool holds_exactly(Incoming& in, const model::Entry& entry, ByteView token);
  void flush_batch();
  void finish_incoming();
  void check_complete(std::uint64_t root_id);
  Result<RbsrMessage> next_of_announcement(Announcement& a);
  RangeInfo info_for(std::optional<std::uint64_t> root_id, const Root& root,
                     const model::D3Range& range) const;

  RbsrConfig config_;
  SnapshotSource snapshots_;
  std::map<HandlePair, Overlap> overlaps_;
  std::map<std::uint64_t, Root> roots_;
  std::size_t completed_roots_ = 0;  // roots_ with complete set
  std::size_t root_bytes_ = 0;       // root_bytes of roots_
  std::uint64_t own_next_root_ = 1;
  std::uint64_t peer_next_root_ = 2;
  std::size_t open_total_ = 0;         // open ranges and want_answers across roots
  OpenTally open_held_;                // what the roots' OpenRanges hold together
  std::size_t widest_open_bytes_ = 0;  // the most open_held_.bytes has been
  std::size_t announced_total_ = 0;    // of open_total_, our announcements with want_response
  std::size_t announced_bytes_ = 0;    // range_bytes of their ranges
  std::size_t widest_open_ = 0;        // the most open_total_ has been
  std::uint64_t fingerprints_deferred_ = 0;
  std::uint64_t fingerprints_paced_ = 0;
  // may_split_paced's estimate: ranges the peer opened answering ours, and ours it closed. It
  // starts at split_factor per range (the worst case).
  std::uint64_t answer_opens_ = 0;
  std::uint64_t answers_closed_ = 0;
  std::uint64_t announced_for_room_ = 0;
  std::size_t deferred_bytes_ = 0;  // waiting_bytes of deferred_ and paced_
  // The peer's fingerprints received while !may_answer(), with their root ids, in order.
  std::deque<std::pair<std::uint64_t, ReconciliationSendFingerprint>> deferred_;
  // The peer's fingerprints we would split while !may_split_paced(), in order (answered from the
  // back).
  std::vector<Paced> paced_;
  std::optional<Incoming> incoming_;
  std::optional<RbsrEntriesEvent> batch_;
  std::size_t batch_bytes_ = 0;  // the paths and tokens of batch_'s entries
  std::deque<Outgoing> messages_;
  std::deque<RbsrEvent> events_;
  // Capabilities of received tokens proven valid: each entry costs its receiver's signature
  // check, not its capability's as well (verified_capabilities.hpp, which bounds it).
  meadowcap::VerifiedCapabilities verified_capabilities_;
  Status error_ = Status::ok();
};

}  // namespace osier::sync
