#include "sync/lcmux_channel.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "sync/lcmux_frames.hpp"

namespace osier::sync {

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// The peer broke a rule of the protocol (the session ends).
Status lcmux_violation(const char* message) {
  return error(ErrorCode::kInvalidEncoding, std::string("lcmux: ") + message);
}

void saturating_sub(std::optional<std::uint64_t>& v, std::uint64_t n) {
  if (v) *v -= std::min(*v, n);
}

}  // namespace

bool LcmuxCredit::add(std::uint64_t k) {
  if (debt >= k) {
    debt -= k;
    return true;
  }
  k -= debt;
  if (credit > kU64Max - k) return false;
  debt = 0;
  credit += k;
  return true;
}

void LcmuxCredit::sub(std::uint64_t n) {
  if (credit >= n) {
    credit -= n;
    return;
  }
  debt += n - credit;
  credit = 0;
}

Status check_tighter_limit(std::optional<std::uint64_t> current, std::uint64_t bound,
                           const char* what) {
  if (current && bound > *current) {
    return lcmux_violation((std::string(what) + " loosens the limit in force").c_str());
  }
  return Status::ok();
}

// ---------------------------------------------------------------- server

LcmuxServerChannel::LcmuxServerChannel(const LcmuxServerOptions& opts)
    : capacity_(std::min(opts.capacity, kMaxLcmuxCapacity)),
      preemptive_(opts.preemptive),
      batch_guarantees_(opts.batch_guarantees) {}

// spec: lcmux#resource_control_overview (dropping), SPEC-NOTES Sync items 7 and 8.
// A frame is the unit of dropping. It is accepted iff we are not dropping and it is covered by
// the guarantees the client holds, or fits the free capacity and our LimitReceiving bound. A
// frame beyond the client's own LimitSending bound is an error (item 8), dropping or not.
Result<bool> LcmuxServerChannel::on_send_channel_frame(std::uint64_t length) {
  if (send_limit_ && length > *send_limit_) {
    return lcmux_violation("SendChannelFrame beyond the client's own LimitSending bound");
  }
  const bool covered = length <= outstanding_.credit;
  const bool fits = length <= free_capacity() && (!recv_limit_ || length <= *recv_limit_);
  if (drop_ != Drop::kNone || !(covered || fits)) {
    if (drop_ == Drop::kNone) {
      // Item 7: before announcing, issue guarantees for every optimistic byte we accepted
      // (exactly the client's debt), and nothing more until the announcement is out.
      drop_ = Drop::kUnannounced;
      owe_credit_ = true;
      pending_issue_ += outstanding_.debt;
      outstanding_.add(outstanding_.debt);
    }
    stats_.dropped_bytes += length;
    ++stats_.dropped_frames;
    return false;
  }
  buffered_ += length;
  outstanding_.sub(length);
  saturating_sub(send_limit_, length);
  saturating_sub(recv_limit_, length);
  stats_.accepted_bytes += length;
  return true;
}

void LcmuxServerChannel::on_content(ByteView bytes) {
  data_.insert(data_.end(), bytes.begin(), bytes.end());
}

// spec: lcmux#absolution. Item 8: absolving more than the client's credit is an error.
Status LcmuxServerChannel::on_absolve(std::uint64_t amount) {
  if (amount > outstanding_.credit)
    return lcmux_violation("Absolve of more than the client's credit");
  outstanding_.sub(amount);
  saturating_sub(send_limit_, amount);
  saturating_sub(recv_limit_, amount);
  return Status::ok();
}

// spec: lcmux#LimitSendingFrame
Status LcmuxServerChannel::on_limit_sending(std::uint64_t bound) {
  OSIER_RETURN_IF_ERROR(check_tighter_limit(send_limit_, bound, "LimitSending"));
  send_limit_ = bound;
  return Status::ok();
}

// Item 8: an Apologise when not dropping, or before the drop was announced, is an error.
Status LcmuxServerChannel::on_apologise() {
  if (drop_ != Drop::kAnnounced) {
    return lcmux_violation("Apologise when the server did not announce dropping");
  }
  drop_ = Drop::kNone;
  return Status::ok();
}

// spec: lcmux#LimitReceivingFrame
Status LcmuxServerChannel::limit_receiving(std::uint64_t bound) {
  if (recv_limit_ && bound > *recv_limit_) {
    return error(ErrorCode::kInvalidArgument, "lcmux: LimitReceiving may only tighten");
  }
  if (bound < outstanding_.credit) {
    return error(ErrorCode::kInvalidArgument,
                 "lcmux: LimitReceiving below the guarantees the client holds (plead first)");
  }
  recv_limit_ = bound;
  pending_limit_ = bound;
  return Status::ok();
}

Bytes LcmuxServerChannel::read(std::size_t max) {
  const std::size_t n = std::min(max, readable());
  const auto from = data_.begin() + static_cast<std::ptrdiff_t>(data_pos_);
  Bytes out(from, from + static_cast<std::ptrdiff_t>(n));
  data_pos_ += n;
  if (data_pos_ == data_.size()) {
    data_.clear();
    data_pos_ = 0;
  } else if (data_pos_ >= data_.size() / 2) {
    data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(data_pos_));
    data_pos_ = 0;
  }
  buffered_ -= n;
  return out;
}

// spec: lcmux#resource_control_overview. Preemptive: bring the client's credit up to the free
// capacity (within our LimitReceiving bound). Acknowledging: only cover accepted optimistic bytes.
std::uint64_t LcmuxServerChannel::issuable() const {
  if (drop_ == Drop::kUnannounced) return 0;  // item 7
  if (!preemptive_ && !owe_credit_) return outstanding_.debt;
  std::uint64_t cap = free_capacity();
  if (recv_limit_) cap = std::min(cap, *recv_limit_);
  if (outstanding_.debt > 0) return cap + outstanding_.debt;
  return cap > outstanding_.credit ? cap - outstanding_.credit : 0;
}

void LcmuxServerChannel::emit(Encoder& enc, std::uint64_t channel) {
  // The bound first: the client then learns of it before any guarantee issued under it, so it
  // never absolves what the bound leaves for its queued bytes (LcmuxClientChannel::on_plead).
  if (pending_limit_) encode_frame(enc, LimitReceivingFrame{channel, *pending_limit_});
  pending_limit_.reset();
  if (drop_ == Drop::kUnannounced) {
    // spec: lcmux#AnnounceDroppingFrame ("must issue any outstanding guarantees before").
    if (pending_issue_ > 0) encode_frame(enc, IssueGuaranteesFrame{channel, pending_issue_});
    pending_issue_ = 0;
    encode_frame(enc, AnnounceDroppingFrame{channel});
    drop_ = Drop::kAnnounced;
    ++stats_.announcements;
  }
  std::uint64_t k = issuable();
  // LcmuxServerOptions::batch_guarantees: hold back a small top-up while the client still holds
  // guarantees (it is sending, and the bytes it sends bring us back here).
  if (batch_guarantees_ && preemptive_ && !owe_credit_ && outstanding_.debt == 0 &&
      outstanding_.credit > 0 && k < capacity_ / 4) {
    k = 0;
  }
  if (k > outstanding_.debt) owe_credit_ = false;  // the client gets guarantees to resend with
  if (k > 0) {
    outstanding_.add(k);
    pending_issue_ += k;
  }
  if (pending_issue_ > 0) encode_frame(enc, IssueGuaranteesFrame{channel, pending_issue_});
  pending_issue_ = 0;
  if (pending_plead_) encode_frame(enc, PleadFrame{channel, *pending_plead_});
  pending_plead_.reset();
}

// ---------------------------------------------------------------- client

LcmuxClientChannel::LcmuxClientChannel(const LcmuxClientOptions& opts) : opts_(opts) {
  opts_.max_frame = std::max<std::uint64_t>(1, opts.max_frame);
}

// Item 8: guarantee totals overflowing u64, or beyond the server's LimitReceiving bound, are
// errors.
Status LcmuxClientChannel::on_issue_guarantees(std::uint64_t amount) {
  if (!credit_.add(amount)) {
    return error(ErrorCode::kOutOfRange, "lcmux: guarantees overflow u64");
  }
  if (recv_limit_ && credit_.credit > recv_limit_->remaining) {
    return lcmux_violation("IssueGuarantees beyond the server's own LimitReceiving bound");
  }
  if (amount > 0) recovering_ = false;
  release_covered();
  return Status::ok();
}

// spec: lcmux#PleadFrame: absolve down to the target; ignore if we hold no more than it.
void LcmuxClientChannel::on_plead(std::uint64_t target) {
  if (credit_.credit <= target || send_limit_ || recv_limit_) return;
  const std::uint64_t amount = credit_.credit - target;
  credit_.sub(amount);
  charge_limits(amount);
  queue_absolve(amount);
}

// spec: lcmux#LimitReceivingFrame
// Item 8 ("a looser one is an error"), as far as the client can tell: the server's remaining
// bound counts bytes still in flight towards it, which our count does not (docs/spec-notes.md,
// "The client cannot know the server's remaining LimitReceiving exactly"), so an honest server's
// new bound may exceed our remaining count; it can never exceed the previous bound itself.
// A bound below the guarantees we hold cuts them down to the bound, as the page's figure
// server_limiting shows (docs/spec-notes.md, "A LimitReceiving below the guarantees held").
Status LcmuxClientChannel::on_limit_receiving(std::uint64_t bound) {
  const auto previous = recv_limit_ ? std::optional(recv_limit_->bound) : std::nullopt;
  OSIER_RETURN_IF_ERROR(check_tighter_limit(previous, bound, "LimitReceiving"));
  if (credit_.credit > bound) credit_.credit = bound;
  recv_limit_ = Limit{bound, sent_position_, bound};
  return Status::ok();
}

// SPEC-NOTES Sync item 7: the dropped frames are the first one not fully covered by the
// guarantees received, and every later one — exactly the frames kept in unconfirmed_. They go
// back in front of everything else on the channel, after an Apologise.
Status LcmuxClientChannel::on_announce_dropping() {
  if (apologise_pending_) return lcmux_violation("AnnounceDropping again before our Apologise");
  if (unconfirmed_.empty()) {
    return lcmux_violation("AnnounceDropping although every frame sent was guaranteed");
  }
  Bytes again;
  for (const Unconfirmed& u : unconfirmed_) {
    append(again, u.bytes);
    for (std::optional<Limit>* l : {&send_limit_, &recv_limit_}) {
      if (*l && u.position >= (*l)->since) (*l)->remaining += u.bytes.size();
    }
  }
  if (!credit_.add(unconfirmed_bytes_)) {
    return error(ErrorCode::kOutOfRange, "lcmux: guarantees overflow u64");
  }
  stats_.resent_bytes += unconfirmed_bytes_;
  unconfirmed_.clear();
  unconfirmed_bytes_ = 0;
  again.insert(again.end(), resend_.begin() + static_cast<std::ptrdiff_t>(resend_pos_),
               resend_.end());
  resend_ = std::move(again);
  resend_pos_ = 0;
  apologise_pending_ = true;
  // Resending optimistically into a full buffer would only be dropped again (and again): wait
  // for guarantees, which the server issues once it has free capacity (owe_credit_). This also
  // ends the loop when the server dropped because of its LimitReceiving bound (which we only
  // know from above, in-flight bytes being counted by the server alone): it issues guarantees
  // only while its bound leaves room, so each round delivers bytes, and a closed channel waits.
  recovering_ = true;
  return Status::ok();
}

Status LcmuxClientChannel::absolve(std::uint64_t amount) {
  if (amount > credit_.credit || (send_limit_ && amount > send_limit_->remaining)) {
    return error(ErrorCode::kInvalidArgument, "lcmux: absolve more than the credit or limit");
  }
  credit_.sub(amount);
  charge_limits(amount);
  queue_absolve(amount);
  return Status::ok();
}

// spec: lcmux#LimitSendingFrame
Status LcmuxClientChannel::limit_sending(std::uint64_t bound, std::uint64_t queued) {
  if (send_limit_ && bound > send_limit_->remaining) {
    return error(ErrorCode::kInvalidArgument, "lcmux: LimitSending may only tighten");
  }
  // Every unconfirmed byte may come back to be resent, and is then charged again.
  if (bound < unconfirmed_bytes_ + (resend_.size() - resend_pos_) + queued) {
    return error(ErrorCode::kInvalidArgument,
                 "lcmux: LimitSending below the bytes queued or that may have to be resent");
  }
  send_limit_ = Limit{bound, sent_position_, bound};
  // A pending LimitSending this one replaces is never sent: absolution decided after it now
  // goes before this one.
  pending_absolve_ += pending_absolve_late_;
  pending_absolve_late_ = 0;
  pending_limit_ = bound;
  return Status::ok();
}

std::optional<std::uint64_t> LcmuxClientChannel::send_limit() const {
  if (send_limit_) return send_limit_->remaining;
  return std::nullopt;
}

std::optional<std::uint64_t> LcmuxClientChannel::send_limit_headroom() const {
  if (!send_limit_) return std::nullopt;
  // Unconfirmed bytes sent before the limit took effect are not refunded if dropped (they were
  // never charged), but are charged when resent.
  std::uint64_t before = 0;
  for (const Unconfirmed& u : unconfirmed_) {
    if (u.position >= send_limit_->since) break;
    before += std::min<std::uint64_t>(u.bytes.size(), send_limit_->since - u.position);
  }
  const std::uint64_t resend = resend_.size() - resend_pos_;
  const std::uint64_t owed = before + resend;
  return send_limit_->remaining > owed ? send_limit_->remaining - owed : 0;
}

bool LcmuxClientChannel::closed_by_peer() const {
  return recv_limit_ && recv_limit_->remaining == 0;
}

std::optional<std::uint64_t> LcmuxClientChannel::peer_receive_limit() const {
  if (recv_limit_) return recv_limit_->remaining;
  return std::nullopt;
}

std::uint64_t LcmuxClientChannel::sendable(std::uint64_t want) const {
  std::uint64_t n = std::min(want, opts_.max_frame);
  if (send_limit_) n = std::min(n, send_limit_->remaining);
  if (recv_limit_) n = std::min(n, recv_limit_->remaining);
  if (n == 0) return 0;
  if (credit_.credit > 0) return std::min(n, credit_.credit);  // a guaranteed frame
  if (!opts_.optimistic || recovering_) return 0;
  const std::uint64_t room =
      opts_.max_unconfirmed > unconfirmed_bytes_ ? opts_.max_unconfirmed - unconfirmed_bytes_ : 0;
  return std::min(n, room);
}

void LcmuxClientChannel::on_sent(ByteView content) {
  const std::uint64_t n = content.size();
  const bool covered = n <= credit_.credit;
  credit_.sub(n);
  charge_limits(n);
  stats_.sent_bytes += n;
  if (covered) {
    stats_.guaranteed_bytes += n;
  } else {
    unconfirmed_.push_back(Unconfirmed{Bytes(content.begin(), content.end()), sent_position_});
    unconfirmed_bytes_ += n;
  }
  sent_position_ += n;
}

ByteView LcmuxClientChannel::resend_bytes() const { return ByteView(resend_).subspan(resend_pos_); }

void LcmuxClientChannel::resent(std::size_t n) {
  resend_pos_ += n;
  if (resend_pos_ == resend_.size()) {
    resend_.clear();
    resend_pos_ = 0;
  }
}

void LcmuxClientChannel::emit_control(Encoder& enc, std::uint64_t channel) {
  if (apologise_pending_) encode_frame(enc, ApologiseFrame{channel});
  apologise_pending_ = false;
  if (pending_absolve_ > 0) encode_frame(enc, AbsolveFrame{channel, pending_absolve_});
  pending_absolve_ = 0;
  if (pending_limit_) encode_frame(enc, LimitSendingFrame{channel, *pending_limit_});
  pending_limit_.reset();
  if (pending_absolve_late_ > 0) encode_frame(enc, AbsolveFrame{channel, pending_absolve_late_});
  pending_absolve_late_ = 0;
}

void LcmuxClientChannel::queue_absolve(std::uint64_t amount) {
  (pending_limit_ ? pending_absolve_late_ : pending_absolve_) += amount;
}

// The frames kept are those the guarantees do not fully cover: the last `debt` bytes sent.
void LcmuxClientChannel::release_covered() {
  while (!unconfirmed_.empty() &&
         unconfirmed_bytes_ - unconfirmed_.front().bytes.size() >= credit_.debt) {
    unconfirmed_bytes_ -= unconfirmed_.front().bytes.size();
    unconfirmed_.pop_front();
  }
}

void LcmuxClientChannel::charge_limits(std::uint64_t n) {
  if (send_limit_) send_limit_->remaining -= std::min(send_limit_->remaining, n);
  if (recv_limit_) recv_limit_->remaining -= std::min(recv_limit_->remaining, n);
}

}  // namespace osier::sync
