#include "sync/lcmux_session.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace osier::sync {

namespace {

Status invalid_argument(const char* message) {
  return error(ErrorCode::kInvalidArgument, std::string("lcmux: ") + message);
}

}  // namespace

Result<LcmuxSession> LcmuxSession::create(const LcmuxSessionOptions& opts) {
  if (opts.channel_count == 0 || opts.channel_count > kLcmuxMaxChannels) {
    return invalid_argument("channel_count must be 1 .. 1024");
  }
  if (opts.server.capacity > kMaxLcmuxCapacity) return invalid_argument("capacity too large");
  if (opts.max_global_length == 0 || opts.max_global_length > kLcmuxMaxGlobalLengthCap) {
    return invalid_argument("max_global_length must be 1 .. 16 MiB");
  }
  return LcmuxSession(opts);
}

LcmuxSession::LcmuxSession(const LcmuxSessionOptions& opts)
    : max_global_length_(opts.max_global_length),
      globals_wait_for_confirmation_(opts.globals_wait_for_confirmation),
      servers_(opts.channel_count, LcmuxServerChannel(opts.server)),
      clients_(opts.channel_count, LcmuxClientChannel(opts.client)),
      queued_per_channel_(opts.channel_count, 0) {}

Status LcmuxSession::fail(Status st) {
  if (failure_.is_ok()) failure_ = st;
  return st;
}

Status LcmuxSession::feed(ByteView in, const GlobalHandler& on_global) {
  if (failed()) return failure_;
  if (!on_global) return invalid_argument("feed needs a handler for global messages");
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t avail = in.size() - pos;
    if (state_ == ReadState::kHeader) {
      // Gather up to a longest header, decode, and give back what the header did not use.
      const std::size_t had = header_len_;
      const std::size_t take = std::min(kMaxLcmuxHeaderLength - had, avail);
      std::memcpy(header_ + had, in.data() + pos, take);
      header_len_ += take;
      Decoder dec(ByteView(header_, header_len_));
      auto h = decode_lcmux_frame_header(dec, DecodeMode::kAny);
      if (!h.is_ok()) {
        if (h.status().code() != ErrorCode::kIncomplete) return fail(h.status());
        if (take == 0) return fail(error(ErrorCode::kInternal, "lcmux: header longer than 18"));
        pos += take;
        continue;
      }
      pos += dec.position() - had;
      header_len_ = 0;
      OSIER_RETURN_IF_ERROR(on_header(*h));
      continue;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(content_remaining_, avail));
    const ByteView piece = in.subspan(pos, n);
    pos += n;
    content_remaining_ -= n;
    if (state_ == ReadState::kChannelContent) {
      if (content_accepted_) servers_[content_channel_].on_content(piece);
      if (content_remaining_ == 0) state_ = ReadState::kHeader;
      continue;
    }
    append(global_, piece);
    if (content_remaining_ == 0) {
      state_ = ReadState::kHeader;
      Status st = on_global(global_);
      global_.clear();
      if (!st.is_ok()) return fail(st);
    }
  }
  return Status::ok();
}

// Routes one frame header: server frames to our client role, client frames to our server role.
Status LcmuxSession::on_header(const LcmuxFrameHeader& h) {
  if (h.kind == LcmuxFrameKind::kSendGlobal) {
    if (h.value > max_global_length_) {
      return fail(error(ErrorCode::kOutOfRange, "lcmux: SendGlobalFrame longer than the maximum"));
    }
    if (h.value == 0) return Status::ok();  // SPEC-NOTES Sync item 6
    state_ = ReadState::kGlobalContent;
    content_remaining_ = h.value;
    global_.reserve(static_cast<std::size_t>(h.value));
    return Status::ok();
  }
  // SPEC-NOTES Sync item 8: a frame for a channel the protocol does not use.
  if (h.channel >= channel_count()) {
    return fail(error(ErrorCode::kInvalidEncoding, "lcmux: frame for a channel not in use"));
  }
  LcmuxServerChannel& server = servers_[h.channel];
  LcmuxClientChannel& client = clients_[h.channel];
  Status st;
  switch (h.kind) {
    case LcmuxFrameKind::kIssueGuarantees:
      st = client.on_issue_guarantees(h.value);
      break;
    case LcmuxFrameKind::kPlead:
      client.on_plead(h.value);
      break;
    case LcmuxFrameKind::kLimitReceiving:
      st = client.on_limit_receiving(h.value);
      break;
    case LcmuxFrameKind::kAnnounceDropping:
      st = client.on_announce_dropping();
      break;
    case LcmuxFrameKind::kAbsolve:
      st = server.on_absolve(h.value);
      break;
    case LcmuxFrameKind::kLimitSending:
      st = server.on_limit_sending(h.value);
      break;
    case LcmuxFrameKind::kApologise:
      st = server.on_apologise();
      break;
    case LcmuxFrameKind::kSendChannel: {
      auto accepted = server.on_send_channel_frame(h.value);
      if (!accepted.is_ok()) return fail(accepted.status());
      if (h.value > 0) {
        state_ = ReadState::kChannelContent;
        content_channel_ = h.channel;
        content_accepted_ = *accepted;
        content_remaining_ = h.value;
      }
      break;
    }
    case LcmuxFrameKind::kSendGlobal:
      break;  // handled above
  }
  if (!st.is_ok()) return fail(st);
  return Status::ok();
}

Status LcmuxSession::check_usable(std::uint64_t channel) const {
  if (failed()) return failure_;
  if (channel >= channel_count()) return invalid_argument("no such channel");
  return Status::ok();
}

Status LcmuxSession::send_channel(std::uint64_t channel, ByteView bytes) {
  OSIER_RETURN_IF_ERROR(check_usable(channel));
  const auto headroom = clients_[channel].send_limit_headroom();
  if (headroom && queued_per_channel_[channel] + bytes.size() > *headroom) {
    return invalid_argument("bytes beyond our LimitSending");
  }
  if (bytes.empty()) return Status::ok();
  queue_.push_back(Outgoing{false, channel, Bytes(bytes.begin(), bytes.end())});
  queued_bytes_ += bytes.size();
  queued_per_channel_[channel] += bytes.size();
  return Status::ok();
}

Status LcmuxSession::send_global(ByteView message) {
  if (failed()) return failure_;
  if (message.empty() || message.size() > max_global_length_) {
    return invalid_argument("a global message has 1 .. max_global_length bytes");
  }
  queue_.push_back(Outgoing{true, 0, Bytes(message.begin(), message.end())});
  queued_bytes_ += message.size();
  return Status::ok();
}

Status LcmuxSession::absolve(std::uint64_t channel, std::uint64_t amount) {
  OSIER_RETURN_IF_ERROR(check_usable(channel));
  return clients_[channel].absolve(amount);
}

Status LcmuxSession::limit_sending(std::uint64_t channel, std::uint64_t bound) {
  OSIER_RETURN_IF_ERROR(check_usable(channel));
  return clients_[channel].limit_sending(bound, queued_per_channel_[channel]);
}

bool LcmuxSession::closed_by_peer(std::uint64_t channel) const {
  return channel < channel_count() && clients_[channel].closed_by_peer();
}

bool LcmuxSession::fully_confirmed() const {
  return std::all_of(clients_.begin(), clients_.end(), [](const LcmuxClientChannel& c) {
    return c.unconfirmed_bytes() == 0 && !c.has_resend();
  });
}

Status LcmuxSession::set_capacity(std::uint64_t channel, std::uint64_t capacity) {
  OSIER_RETURN_IF_ERROR(check_usable(channel));
  if (capacity > kMaxLcmuxCapacity) return invalid_argument("capacity too large");
  servers_[channel].set_capacity(capacity);
  return Status::ok();
}

Status LcmuxSession::plead(std::uint64_t channel, std::uint64_t target) {
  OSIER_RETURN_IF_ERROR(check_usable(channel));
  servers_[channel].plead(target);
  return Status::ok();
}

Status LcmuxSession::limit_receiving(std::uint64_t channel, std::uint64_t bound) {
  OSIER_RETURN_IF_ERROR(check_usable(channel));
  return servers_[channel].limit_receiving(bound);
}

std::uint64_t LcmuxSession::unsent_bytes(std::uint64_t channel) const {
  if (channel >= channel_count()) return 0;
  return queued_per_channel_[channel] + clients_[channel].resend_bytes().size();
}

std::size_t LcmuxSession::readable(std::uint64_t channel) const {
  return channel < channel_count() ? servers_[channel].readable() : 0;
}

Bytes LcmuxSession::read(std::uint64_t channel, std::size_t max) {
  if (channel >= channel_count()) return {};
  return servers_[channel].read(max);
}

// Frames as much of `bytes` as the channel's client side allows now; returns how much.
std::size_t LcmuxSession::send_frames(Encoder& enc, std::uint64_t channel, ByteView bytes) {
  LcmuxClientChannel& client = clients_[channel];
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = static_cast<std::size_t>(client.sendable(bytes.size() - sent));
    if (n == 0) break;
    const ByteView chunk = bytes.subspan(sent, n);
    encode_frame(enc, SendChannelFrame{channel, chunk});
    client.on_sent(chunk);
    sent += n;
  }
  return sent;
}

Bytes LcmuxSession::take_output() {
  Bytes out;
  take_output(out);
  return out;
}

void LcmuxSession::take_output(Bytes& out) {
  if (failed()) return;
  // Appends, in out's memory; out is empty until the end gives it back: no return before that.
  Encoder enc(std::move(out));
  const std::uint64_t count = channel_count();
  // Control frames first: they are state, and some must precede data (Apologise).
  for (std::uint64_t c = 0; c < count; ++c) {
    servers_[c].emit(enc, c);
    clients_[c].emit_control(enc, c);
  }
  // Absolving nothing: the peer's server side accepts any amount up to our credit.
  if (keep_alive_ && count > 0) encode_frame(enc, AbsolveFrame{0, 0});
  keep_alive_ = false;
  // Dropped bytes go again before anything else on their channel.
  for (std::uint64_t c = 0; c < count; ++c) {
    if (clients_[c].has_resend())
      clients_[c].resent(send_frames(enc, c, clients_[c].resend_bytes()));
  }
  // The queue: per-channel order; a blocked channel does not hold up others; globals are
  // barriers (they go only when everything before them went). Every global still queued was
  // queued after every byte ever sent, so bytes waiting to be resent count as queued before it
  // (else the receiver, no longer dropping after our Apologise, would take a global naming
  // what they bind for an error: SPEC-NOTES Sync item 9). With globals_wait_for_confirmation,
  // they also wait until those bytes are known to be accepted (see the header).
  std::vector<bool> blocked(count, false);
  bool all_before_sent = true;
  for (std::uint64_t c = 0; c < count; ++c) {
    if (clients_[c].has_resend()) all_before_sent = false;
  }
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->global) {
      if (!all_before_sent || (globals_wait_for_confirmation_ && !fully_confirmed())) break;
      encode_frame(enc, SendGlobalFrame{it->bytes});
      queued_bytes_ -= it->bytes.size();
      it = queue_.erase(it);
      continue;
    }
    const std::uint64_t c = it->channel;
    if (!blocked[c] && !clients_[c].has_resend()) {
      const std::size_t n = send_frames(enc, c, ByteView(it->bytes).subspan(it->sent));
      it->sent += n;
      queued_bytes_ -= n;
      queued_per_channel_[c] -= n;
      if (it->sent == it->bytes.size()) {
        it = queue_.erase(it);
        continue;
      }
    }
    blocked[c] = true;
    all_before_sent = false;
    ++it;
  }
  out = enc.take();
}

}  // namespace osier::sync
