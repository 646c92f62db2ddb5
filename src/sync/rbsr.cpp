#include "sync/rbsr.hpp"

#include <utility>

#include "osier/meadowcap/authorisation.hpp"
#include "osier/model/area.hpp"
#include "osier/store/authoriser.hpp"
#include "osier/store/fingerprint.hpp"

namespace osier::sync {
namespace {

Status protocol_error(const char* what) { return error(ErrorCode::kInvalidArgument, what); }

// The hash that tells two LengthyAuthorisedEntries apart (what the omission set holds).
Fingerprint lengthy_hash(const model::Entry& entry, ByteView token, std::uint64_t available) {
  return store::hash_lengthy_authorised_entry(entry, token, available).to_bytes();
}

}  // namespace

Result<RbsrCore> RbsrCore::create(const RbsrConfig& config, SnapshotSource snapshots) {
  if (config.split_factor < 2 || config.send_entries_threshold < 1 || config.ingest_batch < 1 ||
      config.ingest_batch_bytes < 1 || !snapshots) {
    return error(ErrorCode::kInvalidArgument, "rbsr: bad parameters");
  }
  return RbsrCore(config, std::move(snapshots));
}

RbsrCore::RbsrCore(const RbsrConfig& config, SnapshotSource snapshots)
    : config_(config), snapshots_(std::move(snapshots)) {
  // spec: confidential_sync#sync_reconciliation — alfies_range_counter 1, betties_range_counter 2.
  own_next_root_ = config.role == SyncRole::kAlfie ? 1 : 2;
  // may_split_paced's estimate starts at the worst case (twice this: split_factor per range).
  answers_closed_ = 16;
  answer_opens_ = 8 * config.split_factor;
  peer_next_root_ = config.role == SyncRole::kAlfie ? 2 : 1;
}

Status RbsrCore::fail(Status status) {
  if (error_.is_ok()) error_ = std::move(status);
  return error_;
}

RangeInfo RbsrCore::info_for(std::optional<std::uint64_t> root_id, const Root& root,
                             const model::D3Range& range) const {
  return RangeInfo{root_id, range, root.handles.first, root.handles.second};
}

Status RbsrCore::open_limit() const {
  // Container nodes (answered ranges kept for their open sub-ranges) are few for an honest peer;
  // bounding them too keeps a hostile one's nesting from growing memory.
  if (open_total_ >= config_.max_open_ranges || open_held_.nodes >= 2 * config_.max_open_ranges) {
    return protocol_error("rbsr: too many open ranges");
  }
  return Status::ok();
}

bool RbsrCore::may_split() const {
  // Every fingerprint we send is an open range until answered, so a sync that works level by
  // level holds its widest level open: 1M against 1M entries differing in 20,000 places has
  // over 100,000 ranges in flight at once (docs/benchmarks.md "1M vs 1M scattered"). We split
  // only while our open ranges stay within a quarter of max_open_ranges; past it, a mismatched
  // range's entries are announced (want_response): that opens one range of ours and answers one
  // of the peer's, where a split opens split_factor. Our open fingerprints stay within that
  // quarter, and our open announcements within another (may_answer): our open ranges stay
  // within half the limit plus the roots, whatever order the peer's messages arrive in. The
  // price of announcing is bytes: the range's entries instead of split_factor fingerprints.
  // Their bytes too: a range's bounds may be the peer's paths (docs/cli.md, the memory paragraph);
  // fits_split checks the split itself once its parts are known.
  return open_total_ + config_.split_factor <= config_.max_open_ranges / 4 &&
         open_held_.bytes <= split_bytes_limit();
}

std::size_t RbsrCore::open_bytes_budget() const {
  if (config_.max_open_bytes != 0) return config_.max_open_bytes;
  return std::max(kOpenBytesPerOpenRange * config_.max_open_ranges, kMinOpenBytes);
}

bool RbsrCore::fits_split(const model::D3Range& whole,
                          const std::vector<store::RangePart>& parts) const {
  std::size_t bytes = open_held_.bytes + OpenRanges::container_bytes(whole);
  for (const auto& part : parts) bytes += OpenRanges::part_bytes(part.range);
  return bytes <= split_bytes_limit();
}

bool RbsrCore::may_split_paced() const {
  // may_split bounds the ranges we open; the peer's are answers to ours: an honest peer opens at
  // most split_factor ranges in answer to each of our open fingerprints (it splits it, or
  // announces), and the peer's ranges we hold waiting (deferred_, paced_) are open on its side
  // too. So the peer's open ranges are at most waiting + split_factor * ours. Betty splits only
  // while that stays within a quarter of a limit like ours, so that an honest Alfie never reaches
  // his may_split bound, which would make him announce whole ranges (at 1M vs 1M scattered, 4.6x
  // negentropy's bytes: docs/benchmarks.md "1M vs 1M"). The fingerprints she cannot split yet
  // wait, and she answers the newest first: the deepest ranges, which end in matches and short
  // announcements that open nothing, so the sync goes deeper before it goes wider. One side only:
  // Alfie answers every fingerprint (splitting or announcing, as ever), so Betty's open ranges
  // are always answered, and with none open she may split: the two never wait on each other.
  if (!config_.pace_splits || config_.role != SyncRole::kBetty) return true;
  const std::size_t ours = open_total_ - announced_total_;
  if (ours == 0) return true;
  const std::size_t waiting = deferred_.size() + paced_.size();
  // Once the peer's ranges waiting with us alone (nearly) fill the quarter, it is past its budget
  // whatever we do (its root fingerprints, one per overlap, count there too and are not answers
  // to ours): waiting longer would only split one range per round trip. A review found that with
  // thousands of roots; we split within may_split again, and the peer announces what it must.
  if (waiting + config_.split_factor * config_.split_factor > config_.max_open_ranges / 4) {
    return true;
  }
  // split_factor per range is the worst case, and holding to it cost a 100k sync half again its
  // round trips (12 against 8); deep in a sync most of our ranges match or are announced. So we
  // count what the peer's recent answers opened per range of ours they closed and take four
  // times that, within [1, split_factor]. The margin is wide on purpose: it must also cover the
  // peer's fingerprints we answered whose answers have not reached it (open on its side all the
  // while), which no count of answers sees. Twice fell short in RbsrSimTest's paced test; an
  // estimate per size of range with a margin of 1.5 made 100k take 8 round trips but fell short
  // at 1M (6,483 ranges announced for want of room, 38 MB instead of 20). Falling short costs
  // bytes only: Alfie announces for want of room.
  const std::uint64_t per_range_x16 = std::clamp<std::uint64_t>(
      4 * 16 * answer_opens_ / answers_closed_, 16, 16 * config_.split_factor);
  return waiting + per_range_x16 * (ours + config_.split_factor) / 16 <=
         config_.max_open_ranges / 4;
}

void RbsrCore::note_answer(std::uint64_t opened, bool closed) {
  answer_opens_ += opened;
  answers_closed_ += closed ? 1 : 0;
  // A window of the last few thousand answers, halved as it fills.
  if (answers_closed_ >= 2 * kAnswerWindow) {
    answer_opens_ /= 2;
    answers_closed_ /= 2;
  }
}

bool RbsrCore::may_answer() const {
  // Answering a fingerprint opens at most one announcement (or splits, within may_split). Past
  // the cap, received fingerprints wait in deferred_ until our announcements are answered. The
  // peer answers an announcement with one without response, which opens nothing on its side; and
  // we go on reading every channel meanwhile (holding the peer's fingerprints back unread would
  // tie up its output, whose answers may wait behind them: a deadlock a review found). So the
  // cost is memory, bounded in wait(). At least one, whatever max_open_ranges. The announcements'
  // ranges are bounded in bytes too (their paths are the peer's: up to 4 KiB each), within what
  // the waiting fingerprints may hold.
  if (announced_total_ == 0) return true;
  return announced_total_ < config_.max_open_ranges / 4 &&
         announced_bytes_ < kWaitingBytesPerOpenRange * config_.max_open_ranges;
}

std::size_t RbsrCore::waiting_bytes(const ReconciliationSendFingerprint& msg) {
  // The larger of the two queues' records (deferred_'s pair, paced_'s Paced).
  return sizeof(Paced) + paths_bytes(msg.info.range.paths);
}

Status RbsrCore::answer_deferred() {
  while (!deferred_.empty() && may_answer()) {
    const std::uint64_t id = deferred_.front().first;
    const ReconciliationSendFingerprint msg = std::move(deferred_.front().second);
    deferred_.pop_front();
    deferred_bytes_ -= waiting_bytes(msg);
    Root& root = roots_.at(id);
    --root.deferred;
    OSIER_RETURN_IF_ERROR(respond_to_fingerprint(id, root, msg));
    check_complete(id);
  }
  return answer_paced();
}

bool RbsrCore::room_to_split() const { return may_split_paced() && may_split(); }

Status RbsrCore::answer_paced() {
  // A paced fingerprint is answered once there is room to split it and to announce (so the
  // waiting ones never open a burst of announcements past may_answer's quarter), or once nothing
  // of ours is open (the way out when the limit is too small for a split at all).
  while (!paced_.empty() && (open_total_ == 0 || (room_to_split() && may_answer()))) {
    const Paced p = std::move(paced_.back());
    paced_.pop_back();
    deferred_bytes_ -= waiting_bytes(p.msg);
    Root& root = roots_.at(p.root_id);
    --root.deferred;
    OSIER_RETURN_IF_ERROR(respond_to_fingerprint(p.root_id, root, p.msg));
    check_complete(p.root_id);
  }
  return Status::ok();
}

Status RbsrCore::wait(Root& root, const ReconciliationSendFingerprint& msg) {
  // An honest peer's open fingerprints are within a quarter of its own limit (may_split), so
  // with a limit like ours at most a quarter of ours wait here. Far more (or far more bytes of
  // paths than such a count would hold) is a peer that does not wait for answers, or one whose
  // limit is over four times ours (without the waiting, our open ranges would pass the limit
  // just as well).
  const std::size_t bytes = waiting_bytes(msg);
  if (deferred_.size() + paced_.size() >= config_.max_open_ranges ||
      deferred_bytes_ + bytes > kWaitingBytesPerOpenRange * config_.max_open_ranges) {
    return protocol_error(
        "rbsr: too many fingerprints waiting for an answer (a peer that does not wait for "
        "answers, or whose max_open_ranges is over 4 times ours)");
  }
  deferred_bytes_ += bytes;
  ++root.deferred;
  return Status::ok();
}

Status RbsrCore::on_overlap(const PioOverlapEvent& overlap) {
  if (failed()) return error_;
  const HandlePair key{overlap.own_capability, overlap.peer_capability};
  const model::D3Range range = model::area_to_range(overlap.area);
  overlaps_[key] = Overlap{overlap.namespace_id, range};
  // spec: confidential_sync#PioBindReadCapability — only Alfie initiates reconciliation.
  if (config_.role != SyncRole::kAlfie) return Status::ok();
  auto snap = snapshots_(overlap.namespace_id);
  if (!snap) return fail(snap.status());
  auto summary = (*snap)->summarise(range);
  if (!summary) return fail(summary.status());
  const std::uint64_t id = own_next_root_;
  own_next_root_ += 2;
  auto root = add_root(id, overlap.namespace_id, key, range);
  if (!root) return fail(root.status());
  Status st = queue_fingerprint(id, **root, range, summary->fingerprint, /*is_root=*/true);
  if (!st.is_ok()) return fail(st);
  return Status::ok();
}

std::size_t RbsrCore::root_bytes(const model::D3Range& range) {
  // The record, its map node (about four pointers), and the range's paths.
  return sizeof(Root) + 4 * sizeof(void*) + range_bytes(range);
}

Result<RbsrCore::Root*> RbsrCore::add_root(std::uint64_t id, const model::NamespaceId& ns,
                                           const HandlePair& handles, const model::D3Range& range) {
  // Roots are kept until the session ends (completed ones too), so both their number and their
  // bytes are bounded: a root's range may have paths of up to 4,096 components each (counted as
  // 36 KiB).
  const std::size_t bytes = root_bytes(range);
  if (roots_.size() >= config_.max_roots || root_bytes_ + bytes > config_.max_root_bytes) {
    return protocol_error("rbsr: too many roots (max_roots or max_root_bytes)");
  }
  root_bytes_ += bytes;
  Root& root = roots_[id];
  root.namespace_id = ns;
  root.handles = handles;
  root.range = range;
  return &root;
}

Result<std::uint64_t> RbsrCore::root_of(const RangeInfo& info) {
  const HandlePair key{info.receiver_handle, info.sender_handle};
  auto ov = overlaps_.find(key);
  if (ov == overlaps_.end()) return protocol_error("rbsr: handles name no overlap");
  if (!ov->second.range.includes_range(info.range) || info.range.is_empty()) {
    return protocol_error("rbsr: range outside the overlap (or empty)");
  }
  if (!info.root_id) {
    // spec: confidential_sync#sync_reconciliation — a root message takes the sender's counter.
    const std::uint64_t id = peer_next_root_;
    peer_next_root_ += 2;
    auto root = add_root(id, ov->second.namespace_id, key, info.range);
    if (!root) return root.status();
    return id;
  }
  auto it = roots_.find(*info.root_id);
  if (it == roots_.end()) return protocol_error("rbsr: unknown root id");
  if (it->second.handles != key) return protocol_error("rbsr: handles differ from the root's");
  if (it->second.complete) return protocol_error("rbsr: message for a completed root");
  return *info.root_id;
}

Status RbsrCore::count_against_open(Root& root, const model::D3Range& range) {
  const OpenTally before = root.open.tally();
  auto closed = root.open.cover(range, config_.max_remainder_boxes);
  if (!closed) return closed.status();
  open_total_ -= *closed ? 1 : 0;
  // The peer opened this range in answer to one of ours (may_split_paced's estimate).
  note_answer(1, *closed);
  retally(before, root.open);
  // An honest peer's parts tile our range, leaving a box or two of it uncovered until the last
  // part arrives; a hostile one could cut every open range into max_remainder_boxes pieces, each
  // bounded by its own long paths. We split within a quarter of the count and the bytes
  // (may_split, fits_split).
  if (open_held_.boxes > kBoxesPerOpenRange * config_.max_open_ranges ||
      open_held_.bytes > open_bytes_limit()) {
    return protocol_error("rbsr: open ranges cut into too many pieces (or too many bytes)");
  }
  return Status::ok();
}

void RbsrCore::retally(const OpenTally& before, const OpenRanges& open) {
  const OpenTally after = open.tally();
  open_held_.nodes = open_held_.nodes + after.nodes - before.nodes;
  open_held_.boxes = open_held_.boxes + after.boxes - before.boxes;
  open_held_.bytes = open_held_.bytes + after.bytes - before.bytes;
  widest_open_bytes_ = std::max(widest_open_bytes_, open_held_.bytes);
}

Status RbsrCore::queue_fingerprint(std::uint64_t root_id, Root& root, const model::D3Range& range,
                                   const Fingerprint& fp, bool is_root) {
  OSIER_RETURN_IF_ERROR(open_limit());
  const OpenTally before = root.open.tally();
  root.open.add(range);
  retally(before, root.open);
  count_opened();
  const std::optional<std::uint64_t> rid = is_root ? std::nullopt : std::optional(root_id);
  messages_.push_back(
      Outgoing{root_id, ReconciliationSendFingerprint{info_for(rid, root, range), fp}});
  ++root.queued;
  return Status::ok();
}

Status RbsrCore::queue_split(std::uint64_t root_id, Root& root, const model::D3Range& whole,
                             const std::vector<store::RangePart>& parts) {
  if (open_total_ + parts.size() > config_.max_open_ranges ||
      open_held_.nodes + parts.size() + 1 > 2 * config_.max_open_ranges) {
    return protocol_error("rbsr: too many open ranges");
  }
  std::vector<model::D3Range> ranges;
  ranges.reserve(parts.size());
  for (const auto& part : parts) ranges.push_back(part.range);
  const OpenTally before = root.open.tally();
  root.open.add_split(whole, ranges);
  retally(before, root.open);
  for (const auto& part : parts) {
    count_opened();
    messages_.push_back(
        Outgoing{root_id, ReconciliationSendFingerprint{info_for(root_id, root, part.range),
                                                        part.summary.fingerprint}});
    ++root.queued;
  }
  return Status::ok();
}

Status RbsrCore::queue_announcement(std::uint64_t root_id, Root& root, const model::D3Range& range,
                                    bool want_response, std::set<Fingerprint> omit,
                                    std::map<Fingerprint, std::uint64_t> peer_held) {
  Announcement a;
  a.root_id = root_id;
  a.info = info_for(root_id, root, range);
  a.want_response = want_response;
  a.omit = std::move(omit);
  a.peer_held = std::move(peer_held);
  a.namespace_id = root.namespace_id;
  return queue_announcement_with(root, std::move(a), /*empty=*/false);
}

Status RbsrCore::queue_announcement_with(Root& root, Announcement a, bool empty) {
  if (a.want_response) {
    OSIER_RETURN_IF_ERROR(open_limit());
    root.want_answers.add(a.info.range);
    count_opened();
    ++announced_total_;
    announced_bytes_ += range_bytes(a.info.range);
  }
  a.empty = empty;
  const std::uint64_t id = a.root_id;
  messages_.push_back(Outgoing{id, std::move(a)});
  ++root.queued;
  return Status::ok();
}

// The decision of rbsr#d3rbsr for a received fingerprint: match, announce, or split.
Status RbsrCore::respond_to_fingerprint(std::uint64_t root_id, Root& root,
                                        const ReconciliationSendFingerprint& msg) {
  const model::D3Range& range = msg.info.range;
  // A fingerprint that waited in paced_ is summarised again: the store may have changed.
  OSIER_ASSIGN_OR_RETURN(auto snap, snapshots_(root.namespace_id));
  OSIER_ASSIGN_OR_RETURN(const store::RangeSummary ours, snap->summarise(range));
  Announcement a;
  a.root_id = root_id;
  a.info = info_for(root_id, root, range);
  a.namespace_id = root.namespace_id;
  if (ours.fingerprint == msg.fingerprint) {
    // Only a root over the pair's whole intersection says the peer holds all we hold there (a
    // peer may start a root over any part of it).
    const auto ov = overlaps_.find(root.handles);
    if (range == root.range && ov != overlaps_.end() && root.range == ov->second.range) {
      events_.emplace_back(RbsrRootMatchedEvent{root_id, root.handles.first, root.handles.second,
                                                root.namespace_id, root.range});
    }
    // SPEC-NOTES Sync 14: a match is answered with is_empty = true, want_response = false.
    return queue_announcement_with(root, std::move(a), /*empty=*/true);
  }
  // Betty waits for room rather than announce a range she would split (may_split_paced), but for
  // when nothing of hers is open (a limit too small for any split), and for root fingerprints
  // (one per overlap, sent at once: the peer's split budget does not bound them).
  const bool to_split = ours.count > config_.send_entries_threshold;
  if (to_split && config_.pace_splits && config_.role == SyncRole::kBetty && msg.info.root_id &&
      !room_to_split() && open_total_ > 0) {
    ++fingerprints_paced_;
    OSIER_RETURN_IF_ERROR(wait(root, msg));
    paced_.push_back(Paced{root_id, msg});
    return Status::ok();
  }
  if (to_split && !may_split()) {
    ++announced_for_room_;
  } else if (to_split) {
    OSIER_ASSIGN_OR_RETURN(auto parts, snap->split(range, config_.split_factor, ours));
    if (parts.size() >= 2 && fits_split(range, parts)) {
      return queue_split(root_id, root, range, parts);
    }
    if (parts.size() >= 2) ++announced_for_room_;  // the parts' long paths would not fit
  }
  // Its entries are read from the snapshot current when its head is sent (next_of_announcement),
  // not this one: any consistent view answers the peer, and a queued announcement that held a
  // snapshot would hold an LMDB reader slot (a process has 1022, shared by every session).
  a.want_response = true;
  return queue_announcement_with(root, std::move(a), /*empty=*/false);
}

Status RbsrCore::on_send_fingerprint(const ReconciliationSendFingerprint& msg) {
  if (failed()) return error_;
  auto id = root_of(msg.info);
  if (!id) return fail(id.status());
  Root& root = roots_.at(*id);
  if (msg.info.root_id) {
    Status st = count_against_open(root, msg.info.range);
    if (!st.is_ok()) return fail(st);
  }
  if (!deferred_.empty() || !may_answer()) {
    ++fingerprints_deferred_;
    Status st = wait(root, msg);
    if (!st.is_ok()) return fail(st);
    deferred_.emplace_back(*id, msg);
  } else {
    Status st = respond_to_fingerprint(*id, root, msg);
    if (!st.is_ok()) return fail(st);
    check_complete(*id);
  }
  // The peer's fingerprint may have answered one of ours: room to split a waiting one.
  Status st = answer_paced();
  if (!st.is_ok()) return fail(st);
  return Status::ok();
}

Status RbsrCore::on_announce_entries(const ReconciliationAnnounceEntries& msg) {
  if (failed()) return error_;
  if (incoming_) return fail(protocol_error("rbsr: announcement while another is open"));
  auto id = root_of(msg.info);
  if (!id) return fail(id.status());
  Root& root = roots_.at(*id);
  if (msg.info.root_id) {
    // An announcement of exactly a range we sent the fingerprint of answers it; one without
    // want_response also answers our announcement of that range.
    const OpenTally before = root.open.tally();
    const bool answers = root.open.answer_exactly(msg.info.range);
    if (answers) {
      --open_total_;
      note_answer(msg.want_response ? 1 : 0, true);
    }
    // The peer's match of our root fingerprint (its answer to a mismatch is never empty without
    // response: it splits, or announces its entries wanting ours).
    if (answers && msg.is_empty && !msg.want_response && msg.info.range == root.range) {
      events_.emplace_back(RbsrRootMatchedEvent{*id, root.handles.first, root.handles.second,
                                                root.namespace_id, root.range});
    }
    retally(before, root.open);
    if (!msg.want_response && root.want_answers.remove(msg.info.range)) {
      --open_total_;
      --announced_total_;
      announced_bytes_ -= range_bytes(msg.info.range);
      Status st = answer_deferred();
      if (!st.is_ok()) return fail(st);
    }
    if (answers) {
      Status st = answer_paced();
      if (!st.is_ok()) return fail(st);
    }
  }
  incoming_ = Incoming{*id, msg.info.range, msg.want_response, false, {}, {}, nullptr, false, 0};
  root.incoming = true;
  if (msg.is_empty) finish_incoming();
  return error_;
}

Status RbsrCore::on_send_entry(const ReconciliationSendEntry& msg) {
  if (failed()) return error_;
  if (!incoming_ || incoming_->in_entry) {
    return fail(protocol_error("rbsr: ReconciliationSendEntry out of place"));
  }
  Incoming& in = *incoming_;
  const Root& root = roots_.at(in.root_id);
  const model::Entry& entry = msg.entry.entry.entry;
  if (entry.namespace_id != root.namespace_id || !in.range.includes(entry)) {
    return fail(protocol_error("rbsr: entry outside the announced range"));
  }
  // An announcement answering a fingerprint carries every entry of its range, most of which we
  // usually hold: an entry held exactly (the same entry and token) was verified when it was
  // stored, and a lookup costs microseconds where the signature check costs ~50
  // (docs/benchmarks.md "Reconciliation against negentropy").
  Result<Bytes> token = store::encode_token_bytes(msg.entry.entry.token);
  const bool held = token && holds_exactly(in, entry, *token);
  if (!held) {
    auto verified = meadowcap::AuthorisedEntry::verify(msg.entry.entry, verified_capabilities_);
    if (!verified) return fail(protocol_error("rbsr: token does not authorise the entry"));
    if (!token) return fail(token.status());
  }
  if (in.want_response && in.received.size() + in.peer_held.size() < config_.max_omitted) {
    in.received.insert(lengthy_hash(entry, *token, msg.entry.available));
    if (msg.entry.available > 0 && msg.entry.available < entry.payload_length) {
      in.peer_held.emplace(lengthy_hash(entry, *token, 0), msg.entry.available);
    }
  }
  if (batch_ && batch_->root_id != in.root_id) flush_batch();
  if (!batch_) {
    batch_ = RbsrEntriesEvent{
        in.root_id, root.namespace_id, {}, store::Origin::remote(config_.session_id)};
  }
  if (held) {
    ++batch_->held;
  } else {
    batch_bytes_ += entry.path.total_length() + token->size();
    batch_->entries.push_back(store::AuthorisedEntry{entry, std::move(*token)});
  }
  if (batch_->entries.size() >= config_.ingest_batch ||
      batch_bytes_ >= config_.ingest_batch_bytes) {
    flush_batch();
  }
  in.in_entry = true;
  return Status::ok();
}

bool RbsrCore::holds_exactly(Incoming& in, const model::Entry& entry, ByteView token) {
  if (in.lookup_useless) return false;
  if (!in.lookup) {
    // A store that cannot give a snapshot now (e.g. no LMDB reader slot) costs verification,
    // never the session.
    auto snapshot = snapshots_(entry.namespace_id);
    if (!snapshot || !*snapshot) {
      in.lookup_useless = true;
      return false;
    }
    in.lookup = std::move(*snapshot);
  }
  auto stored = in.lookup->holds_exactly(entry, token);
  const bool held = stored && *stored;
  // A long run of entries we lack (an initial sync: one announcement of everything) stops the
  // lookups until the next batch; answers to fingerprints hold up to the send-entries threshold.
  in.lookup_misses = held ? 0 : in.lookup_misses + 1;
  if (in.lookup_misses >= kMaxLookupMisses) in.lookup_useless = true;
  return held;
}

Status RbsrCore::on_send_payload(const ReconciliationSendPayload& /*msg*/) {
  if (failed()) return error_;
  if (!incoming_ || !incoming_->in_entry) {
    return fail(protocol_error("rbsr: ReconciliationSendPayload out of place"));
  }
  return Status::ok();  // the bytes are the session's (payload_transfer.hpp)
}

Status RbsrCore::on_terminate_payload(const ReconciliationTerminatePayload& msg) {
  if (failed()) return error_;
  if (!incoming_ || !incoming_->in_entry) {
    return fail(protocol_error("rbsr: ReconciliationTerminatePayload out of place"));
  }
  incoming_->in_entry = false;
  if (msg.is_final) finish_incoming();
  return error_;
}

void RbsrCore::flush_batch() {
  if (incoming_) {
    // The lookup snapshot goes with the batch: a peer that stalls mid-announcement holds no
    // LMDB reader, and the next entry looks in a snapshot taken later (after this batch is
    // stored, when the session stored it first).
    incoming_->lookup.reset();
    incoming_->lookup_useless = false;
    incoming_->lookup_misses = 0;
  }
  if (!batch_) return;
  events_.emplace_back(std::move(*batch_));
  batch_.reset();
  batch_bytes_ = 0;
}

void RbsrCore::finish_incoming() {
  // The batch stays open across announcements (each answer to a fingerprint brings a few
  // entries; a commit per announcement was most of the store's time): the session flushes it
  // when its input is read, before payload bytes, and when it ends.
  Incoming in = std::move(*incoming_);
  incoming_.reset();
  Root& root = roots_.at(in.root_id);
  root.incoming = false;
  if (in.want_response) {
    // rbsr#d3rbsr: answer with our entries of the range, omitting those just received.
    Status st = queue_announcement(in.root_id, root, in.range, false, std::move(in.received),
                                   std::move(in.peer_held));
    if (!st.is_ok()) {
      (void)fail(st);
      return;
    }
  }
  check_complete(in.root_id);
}

void RbsrCore::check_complete(std::uint64_t root_id) {
  Root& root = roots_.at(root_id);
  if (root.complete || !root.open.empty() || !root.want_answers.empty() || root.queued != 0 ||
      root.deferred != 0 || root.incoming) {
    return;
  }
  // The root's last entries are stored before anyone hears it is complete.
  if (batch_ && batch_->root_id == root_id) flush_batch();
  root.complete = true;
  ++completed_roots_;
  events_.emplace_back(
      RbsrRootCompleteEvent{root_id, root.handles.first, root.handles.second, root.range});
}

Result<std::optional<RbsrMessage>> RbsrCore::poll_message() {
  if (failed()) return error_;
  if (messages_.empty()) return std::optional<RbsrMessage>();
  Outgoing& out = messages_.front();
  std::optional<RbsrMessage> msg;
  bool done = true;
  if (auto* fp = std::get_if<ReconciliationSendFingerprint>(&out.item)) {
    msg = std::move(*fp);
  } else {
    auto& a = std::get<Announcement>(out.item);
    auto next = next_of_announcement(a);
    if (!next) return fail(next.status());
    msg = std::move(*next);
    done = a.done;
  }
  if (done) {
    const std::uint64_t id = out.root_id;
    messages_.pop_front();
    --roots_.at(id).queued;
    check_complete(id);
  }
  return msg;
}

std::optional<RbsrEvent> RbsrCore::poll_event() {
  if (events_.empty()) return std::nullopt;
  RbsrEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

// Fills `a.ahead` with the next entries of the announcement not in its omission set, up to
// kReadAhead, when it is empty; releases the snapshot once the range is read to its end.
Status RbsrCore::read_ahead(Announcement& a) {
  // Bounds the memory of the announcement being sent: kReadAhead entries (paths of at most 4 KiB
  // with Willow'25's parameters, tokens of a few hundred bytes).
  constexpr std::size_t kReadAhead = 16;
  if (!a.ahead.empty() || a.scanned_all || !a.snapshot) return Status::ok();
  bool full = false;
  // The omitted entries are passed over by the hash the store's index keeps (what lengthy_hash
  // computes), unread.
  store::NamespaceSnapshot::ScanSkip omitted;
  if (!a.omit.empty()) {
    omitted = [&a](const store::Fp256& h) { return a.omit.contains(h.to_bytes()); };
  }
  const auto take = [&](const store::LengthyAuthorisedEntry& e) {
    a.after = store::ScanPosition{e.authorised.entry.subspace_id, e.authorised.entry.path};
    a.ahead.push_back(e);
    full = a.ahead.size() == kReadAhead;
    return !full;
  };
  Status st = a.snapshot->scan(a.info.range, a.after, take, omitted);
  OSIER_RETURN_IF_ERROR(st);
  if (!full) {
    a.scanned_all = true;
    a.snapshot.reset();
  }
  return Status::ok();
}

Result<RbsrMessage> RbsrCore::next_of_announcement(Announcement& a) {
  if (!a.head_sent) {
    if (!a.empty && !a.snapshot) {
      // Taken when sent, not when queued: by then the session has ingested what the peer's
      // announcement brought, so the answer neither repeats nor resends what those prune; and
      // only the announcement being sent holds a snapshot.
      OSIER_ASSIGN_OR_RETURN(a.snapshot, snapshots_(a.namespace_id));
    }
    OSIER_RETURN_IF_ERROR(read_ahead(a));
    a.head_sent = true;
    a.done = a.ahead.empty();
    // will_sort: scan() reads in (subspace, path) order.
    return RbsrMessage(
        ReconciliationAnnounceEntries{a.info, a.ahead.empty(), a.want_response, true});
  }
  if (a.pending_terminate) {
    a.pending_terminate = false;
    a.done = a.ahead.empty();
    return RbsrMessage(ReconciliationTerminatePayload{a.ahead.empty()});
  }
  // An entry was read ahead: send it, then read ahead to know whether it was the last.
  const store::LengthyAuthorisedEntry e = std::move(a.ahead.front());
  a.ahead.pop_front();
  OSIER_ASSIGN_OR_RETURN(meadowcap::MeadowcapAuthorisationToken token,
                         store::decode_token_bytes(e.authorised.token));
  // The first Chunk the peer lacks, when it told us it holds a prefix of the payload.
  std::uint64_t offset = 0;
  if (!a.peer_held.empty()) {
    const auto it = a.peer_held.find(lengthy_hash(e.authorised.entry, e.authorised.token, 0));
    if (it != a.peer_held.end()) offset = it->second / 1024;
  }
  ReconciliationSendEntry msg{
      LengthyEntry{meadowcap::PossiblyAuthorisedEntry{e.authorised.entry, std::move(token)},
                   e.available},
      offset};
  OSIER_RETURN_IF_ERROR(read_ahead(a));
  a.pending_terminate = true;
  return RbsrMessage(std::move(msg));
}

}  // namespace osier::sync
