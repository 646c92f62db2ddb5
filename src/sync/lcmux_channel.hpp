// The state of one LCMUX logical channel, for each of the two roles (sans-IO).
// spec: lcmux#resource_control_overview, lcmux#lcmux_spec
//
// LcmuxServerChannel is the lcmux_s side: it receives SendChannelFrames into a buffer whose
// capacity the node grants, issues guarantees, drops optimistic frames that do not fit and
// announces it, pleads for absolution, limits receiving, and checks the client's frames.
// LcmuxClientChannel is the lcmux_c side: it tracks the guarantees it holds (its credit, which
// optimistic sending can make negative), keeps a copy of every frame not fully covered by
// guarantees, apologises and resends what the server dropped, absolves on request and limits
// sending. LcmuxSession (lcmux_session.hpp) owns one of each per channel and does the framing.
//
// Credit. Both sides count the same quantity: guarantees issued, minus bytes the server accepted,
// minus bytes absolved. The client's view lags the server's by what is in flight; once both
// directions are quiet the two are equal (the simulation test checks this).
//
// Memory: the server's buffer holds at most max(capacity granted, capacity at the time
// guarantees were issued) bytes: a frame is accepted only if it fits the granted capacity or is
// covered by guarantees (which were only ever issued for free capacity). Never sized by what the
// peer declares. The client's copies of unconfirmed frames are bounded by its own
// `max_unconfirmed`. Not thread-safe.
//
// SPEC-NOTES Sync items 7 and 8 are implemented here; each reading sits in one named function:
// LcmuxServerChannel::on_send_channel_frame (what is accepted, what dropped, the limit error),
// LcmuxServerChannel::emit (guarantees before AnnounceDropping, none beyond them in between),
// LcmuxServerChannel::issuable and LcmuxClientChannel::sendable (after a drop, resend only under
// guarantees, which the server then owes: docs/spec-notes.md, "Optimistic sending can loop"),
// LcmuxClientChannel::on_announce_dropping (which frames were dropped), check_tighter_limit
// (limits only tighten), and the error checks named in each method's comment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "osier/base/bytes.hpp"
#include "osier/base/codec.hpp"
#include "osier/base/status.hpp"

namespace osier::sync {

// A signed amount of guarantees as two magnitudes (at most one is non-zero): `credit` unused
// guarantees, or `debt` bytes sent optimistically beyond them.
struct LcmuxCredit {
  std::uint64_t credit = 0;
  std::uint64_t debt = 0;
  bool operator==(const LcmuxCredit&) const = default;
  // Adds k guarantees; false (and unchanged) if the credit would overflow u64.
  bool add(std::uint64_t k);
  // Subtracts n (bytes sent or accepted, or absolved).
  void sub(std::uint64_t n);
};

// SPEC-NOTES Sync item 8: "Limits may only tighten: an equal bound is accepted, a looser one is
// an error." `current` is the remaining amount of the limit in force, if any.
Status check_tighter_limit(std::optional<std::uint64_t> current, std::uint64_t bound,
                           const char* what);

// The largest capacity a node may grant one channel (keeps every sum of counters below 2^63).
inline constexpr std::uint64_t kMaxLcmuxCapacity = std::uint64_t{1} << 48;

struct LcmuxServerOptions {
  // Buffer bytes granted initially.
  std::uint64_t capacity = 0;
  // true: issue guarantees for all free capacity (credit-based). false: issue guarantees only
  // to acknowledge accepted optimistic bytes (the client must send optimistically), and once
  // after each drop, for the free capacity, so that the client knows when to resend.
  // spec: lcmux#resource_control_overview ("Some lcmux_ss might implement a credit-based scheme")
  bool preemptive = true;
  // Preemptive only: new guarantees wait until at least a quarter of the capacity can be issued
  // at once, unless the client holds none (then whatever is free goes at once, as without this
  // option, so a client waiting for credit is never left waiting longer than before). Bulk
  // transfers then cost one IssueGuarantees per quarter window instead of one per read.
  bool batch_guarantees = false;
};

struct LcmuxServerStats {
  std::uint64_t accepted_bytes = 0;
  std::uint64_t dropped_bytes = 0;
  std::uint64_t dropped_frames = 0;
  std::uint64_t announcements = 0;
};

class LcmuxServerChannel {
 public:
  explicit LcmuxServerChannel(const LcmuxServerOptions& opts = {});

  // --- frames from the client
  // The header of a SendChannelFrame of `length` bytes: returns whether its content is accepted
  // (then exactly `length` bytes follow through on_content) or dropped.
  Result<bool> on_send_channel_frame(std::uint64_t length);
  // Content bytes of the accepted frame being received.
  void on_content(ByteView bytes);
  Status on_absolve(std::uint64_t amount);
  Status on_limit_sending(std::uint64_t bound);
  Status on_apologise();

  // --- the node
  // REQUIRES: capacity <= kMaxLcmuxCapacity. Lowering it takes effect as the buffer drains
  // (guarantees already issued are honoured); plead() asks the client to give some back.
  void set_capacity(std::uint64_t capacity) { capacity_ = capacity; }
  void plead(std::uint64_t target) { pending_plead_ = target; }
  // Promises to accept at most `bound` more bytes. kInvalidArgument if it loosens the limit in
  // force or is below the guarantees the client holds (plead first).
  Status limit_receiving(std::uint64_t bound);
  // Bytes received and not yet read; reading frees them for new guarantees.
  std::size_t readable() const { return data_.size() - data_pos_; }
  Bytes read(std::size_t max);

  // Appends this channel's pending server frames: LimitReceiving (first, so the client knows
  // the bound before guarantees issued under it), then after a drop the guarantees for the
  // accepted optimistic bytes and AnnounceDropping, then new guarantees, then Plead.
  void emit(Encoder& enc, std::uint64_t channel);

  const LcmuxCredit& outstanding() const { return outstanding_; }
  bool dropping() const { return drop_ != Drop::kNone; }
  std::optional<std::uint64_t> receive_limit() const { return recv_limit_; }
  std::optional<std::uint64_t> peer_send_limit() const { return send_limit_; }
  std::uint64_t buffered() const { return buffered_; }
  const LcmuxServerStats& stats() const { return stats_; }

 private:
  enum class Drop : std::uint8_t { kNone, kUnannounced, kAnnounced };

  std::uint64_t issuable() const;
  std::uint64_t free_capacity() const { return capacity_ > buffered_ ? capacity_ - buffered_ : 0; }

  std::uint64_t capacity_;
  bool preemptive_;
  bool batch_guarantees_;
  std::uint64_t buffered_ = 0;       // accepted and not yet read (including bytes still to come)
  LcmuxCredit outstanding_;          // guarantees the client holds, pending ones included
  std::uint64_t pending_issue_ = 0;  // decided, not yet emitted
  Drop drop_ = Drop::kNone;
  // Set by a drop: issue guarantees for free capacity (once there is some) even when not
  // preemptive, since the client now waits for them (see LcmuxClientChannel::sendable).
  bool owe_credit_ = false;
  std::optional<std::uint64_t> recv_limit_;     // our own LimitReceiving, remaining
  std::optional<std::uint64_t> pending_limit_;  // to emit
  std::optional<std::uint64_t> pending_plead_;
  std::optional<std::uint64_t> send_limit_;  // the client's LimitSending, remaining
  // Received bytes [data_pos_, size) not yet read; the read prefix is cut off once it is at least
  // half of the buffer (bulk copies, amortised O(1) per byte).
  Bytes data_;
  std::size_t data_pos_ = 0;
  LcmuxServerStats stats_;
};

struct LcmuxClientOptions {
  // Send frames that guarantees do not cover (they may be dropped and are then resent).
  bool optimistic = true;
  // The most bytes of optimistic frames awaiting confirmation (each is kept for resending).
  std::uint64_t max_unconfirmed = 64 * 1024;
  // The longest SendChannelFrame sent.
  std::uint64_t max_frame = 4096;
};

struct LcmuxClientStats {
  std::uint64_t sent_bytes = 0;        // content of SendChannelFrames, resends included
  std::uint64_t resent_bytes = 0;      // content dropped by the server and queued again
  std::uint64_t guaranteed_bytes = 0;  // sent fully covered by guarantees
};

class LcmuxClientChannel {
 public:
  explicit LcmuxClientChannel(const LcmuxClientOptions& opts = {});

  // --- frames from the server
  Status on_issue_guarantees(std::uint64_t amount);
  // Absolves down to the target, except under a limit (ours or the server's): then absolution
  // would only shrink what the limit leaves for bytes still to send, and the client cannot know
  // the server's remaining LimitReceiving exactly (it counts bytes in flight when it set it).
  void on_plead(std::uint64_t target);
  Status on_limit_receiving(std::uint64_t bound);
  Status on_announce_dropping();

  // --- the application
  // kInvalidArgument if more than the credit, or than the sending limit allows.
  Status absolve(std::uint64_t amount);
  // Promises to send at most `bound` more bytes (counted from this frame on). kInvalidArgument
  // if it loosens the limit in force, or is below the bytes that may still have to be resent
  // (unconfirmed or dropped) plus `queued` (the session's bytes not yet sent): those would
  // never go out.
  Status limit_sending(std::uint64_t bound, std::uint64_t queued = 0);

  // --- framing (used by the session)
  // How many of the next `want` bytes may go out in one frame now (0: none).
  std::uint64_t sendable(std::uint64_t want) const;
  // Records a frame of these bytes as sent (REQUIRES: size <= sendable(size)).
  void on_sent(ByteView content);
  // Dropped bytes waiting to be sent again, before anything else on the channel.
  bool has_resend() const { return resend_.size() > resend_pos_; }
  ByteView resend_bytes() const;
  void resent(std::size_t n);
  // Appends this channel's pending client frames (Apologise, Absolve, LimitSending).
  void emit_control(Encoder& enc, std::uint64_t channel);

  const LcmuxCredit& credit() const { return credit_; }
  std::uint64_t unconfirmed_bytes() const { return unconfirmed_bytes_; }
  // How many more bytes the limits allow (ours and the server's), if any is in force.
  std::optional<std::uint64_t> send_limit() const;
  // How many new bytes our own limit still admits once every byte that may have to be resent is
  // accounted for (nullopt: no limit).
  std::optional<std::uint64_t> send_limit_headroom() const;
  std::optional<std::uint64_t> peer_receive_limit() const;
  // The server's LimitReceiving bound is used up: nothing more can ever be sent on the channel.
  bool closed_by_peer() const;
  const LcmuxClientStats& stats() const { return stats_; }

 private:
  struct Limit {
    std::uint64_t remaining;
    std::uint64_t since;  // sent_position_ when it took effect
    std::uint64_t bound;  // the frame's value
  };
  struct Unconfirmed {
    Bytes bytes;
    std::uint64_t position;  // sent_position_ of its first byte
  };

  void release_covered();
  void charge_limits(std::uint64_t n);
  void queue_absolve(std::uint64_t amount);

  LcmuxClientOptions opts_;
  LcmuxCredit credit_;
  std::uint64_t sent_position_ = 0;  // bytes ever sent on the channel (resends included)
  std::deque<Unconfirmed> unconfirmed_;
  std::uint64_t unconfirmed_bytes_ = 0;
  Bytes resend_;
  std::size_t resend_pos_ = 0;
  std::optional<Limit> send_limit_;  // ours
  std::optional<Limit> recv_limit_;  // the server's
  bool recovering_ = false;          // dropped: only covered frames until new guarantees arrive
  bool apologise_pending_ = false;
  // Absolution decided before / after the pending LimitSending: the frames go out in the order
  // of the decisions, since each one counts against the limit in force when it arrives.
  std::uint64_t pending_absolve_ = 0;
  std::uint64_t pending_absolve_late_ = 0;
  std::optional<std::uint64_t> pending_limit_;
  LcmuxClientStats stats_;
};

}  // namespace osier::sync
