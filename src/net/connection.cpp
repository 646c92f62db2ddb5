#include "net/connection.hpp"

#include <algorithm>
#include <utility>

namespace osier::net {
namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  return n % 1000 == 0 ? std::to_string(n / 1000) + " s" : std::to_string(n) + " ms";
}

std::string remote_text(const asio::ip::tcp::socket& s) {
  asio::error_code ec;
  const asio::ip::tcp::endpoint ep = s.remote_endpoint(ec);
  if (ec) return "?";
  const std::string addr = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(ep.port());
}

// `prefix` + message, unless the message starts with it already.
std::string prefixed(std::string_view prefix, const std::string& message) {
  return message.rfind(prefix, 0) == 0 ? message : std::string(prefix) + message;
}

}  // namespace

Result<std::shared_ptr<Connection>> Connection::create(asio::ip::tcp::socket socket,
                                                       sync::HandshakeRole role,
                                                       const crypto::Ed25519SecretKey& static_key,
                                                       const ConnectionOptions& options,
                                                       std::shared_ptr<PeerApp> app) {
  // The peer confirms our key with our first transport chunk, which LCMUX's first guarantees
  // fill at once: without them neither side would ever speak first.
  if (options.lcmux.server.capacity == 0 || !options.lcmux.server.preemptive) {
    return error(ErrorCode::kInvalidArgument,
                 "connection options: LCMUX must grant capacity preemptively (its first "
                 "guarantees confirm our key to the peer)");
  }
  OSIER_ASSIGN_OR_RETURN(sync::SecureStream stream,
                         sync::SecureStream::create(role, static_key, options.prologue));
  OSIER_ASSIGN_OR_RETURN(sync::LcmuxSession mux, sync::LcmuxSession::create(options.lcmux));
  return std::make_shared<Connection>(std::move(socket), std::move(stream), std::move(mux), options,
                                      std::move(app));
}

Connection::Connection(asio::ip::tcp::socket socket, sync::SecureStream stream,
                       sync::LcmuxSession mux, const ConnectionOptions& options,
                       std::shared_ptr<PeerApp> app)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      stream_(std::move(stream)),
      mux_(std::move(mux)),
      options_(options),
      app_(std::move(app)) {}

void Connection::start() {
  started_ = last_progress_ = Clock::now();
  remote_ = remote_text(socket_);
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  arm_timer();
  pump();  // an initiator's first handshake message
  read();
}

void Connection::stop() {
  if (done_ || closing_) return;
  if (!established_) return end(Ending::kStopped, "");
  begin_close(Ending::kStopped, "");
}

void Connection::evict(std::string reason) {
  if (done_) return;
  end(Ending::kRefused, std::move(reason));
}

void Connection::read() {
  // Reading never waits for writing (see pump): what the peer sends only moves LCMUX's bounded
  // counters and buffers, and two peers that both block on writing would otherwise deadlock.
  if (done_ || reading_ || eof_) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void Connection::on_read(const asio::error_code& ec, std::size_t n) {
  reading_ = false;
  if (done_) return;
  if (ec == asio::error::eof) return on_eof();
  if (ec) return end(Ending::kError, "read failed: " + ec.message());
  bytes_in_ += n;
  // Progress is a whole transport chunk (or the end marker), not a byte: a peer trickling the
  // bytes of a chunk it never finishes is idle.
  const std::uint64_t plaintext_before = stream_.received_plaintext();
  const bool ended_before = stream_.peer_ended();
  Status mux_status;
  Status app_status;  // the app's answer to the handshake
  const sync::LcmuxSession::GlobalHandler on_global = [this](ByteView m) {
    return app_->on_global(m);
  };
  // The app hears of the peer once its first transport chunk decrypted (which proves its key)
  // and before that chunk's plaintext, which may arrive in the same read as the handshake's
  // last message.
  const Status st = stream_.receive(ByteView(read_buf_.data(), n), [&](ByteView plain) {
    if (app_status && !established_) app_status = establish();
    if (app_status && mux_status) mux_status = mux_.feed(plain, on_global);
  });
  if (!st)
    return end(Ending::kError,
               (stream_.established() ? "transport: " : "handshake: ") + st.message());
  if (stream_.received_plaintext() != plaintext_before || stream_.peer_ended() != ended_before) {
    last_progress_ = Clock::now();
  }
  if (app_status && !established_ && stream_.peer_confirmed()) app_status = establish();
  if (!app_status) return end(Ending::kError, app_status.message());
  if (!mux_status) return end(Ending::kError, prefixed("lcmux: ", mux_status.message()));
  pump();
  read();
}

Status Connection::establish() {
  established_ = true;  // stream_.peer_confirmed()
  last_progress_ = last_sent_ = Clock::now();
  arm_timer();  // from the handshake deadline to the idle deadline
  if (on_established_) on_established_();
  app_->set_waker([weak = weak_from_this(), ex = socket_.get_executor()] {
    asio::post(ex, [weak] {
      if (const std::shared_ptr<Connection> c = weak.lock()) c->pump();
    });
  });
  Status st = app_->on_established(stream_.result(), mux_);
  if (!st) return error(st.code(), "refused by the application: " + st.message());
  return st;
}

void Connection::on_eof() {
  eof_ = true;
  if (!stream_.peer_ended()) {
    const Status st = stream_.finish();
    return end(Ending::kError,
               (stream_.established() ? "transport: " : "handshake: ") + st.message());
  }
  pump();
}

void Connection::pump() {
  if (done_) return;
  // Once the handshake is done LCMUX sends at once (its first guarantees, which confirm our key
  // to the peer); the app runs only once the peer confirmed its own. Backpressure is on
  // producing: while more than max_pending_output bytes wait for the socket, neither the app
  // nor LCMUX is asked for more (reading goes on); on_write comes back here as they drain.
  if (stream_.established() && !stream_.sent_end() &&
      pending_output() <= options_.max_pending_output) {
    if (established_) {
      if (const Status st = app_->on_progress(mux_); !st) {
        return end(Ending::kError, "application: " + st.message());
      }
      if (!closing_ && (app_->wants_close() || stream_.peer_ended())) {
        closing_.emplace(Ending::kClean, "");
        close_deadline_ = Clock::now() + options_.close_timeout;
        arm_timer();
      } else if (const auto wake = app_->wake_at(); !closing_ && wake && wake != armed_wake_) {
        armed_wake_ = wake;
        arm_timer();
      }
    }
    if (established_ && !closing_ && options_.keepalive_interval.count() > 0 &&
        Clock::now() >= last_sent_ + options_.keepalive_interval) {
      mux_.keep_alive();
    }
    frames_.clear();
    mux_.take_output(frames_);
    if (!frames_.empty()) last_sent_ = Clock::now();
    Status st = stream_.send(frames_);
    if (frames_.capacity() > kKeptFrameBytes) Bytes().swap(frames_);
    // Ending: what LCMUX could send has gone; bytes still queued for lack of guarantees are
    // not sent (the peer's end marker means it grants nothing more).
    if (st && closing_) st = stream_.send_end();
    if (!st) return end(Ending::kError, "transport: " + st.message());
  }
  stream_.take_output(pending_);
  write();
  if (stream_.sent_end() && stream_.peer_ended() && pending_output() == 0) {
    const auto [ending, reason] = closing_.value_or(std::make_pair(Ending::kClean, std::string()));
    end(ending, reason);
  }
}

void Connection::write() {
  if (done_ || write_in_flight_) return;
  bool started = false;
  if (written_ == writing_.size()) {
    if (pending_.empty()) return;
    writing_.clear();
    written_ = 0;
    std::swap(writing_, pending_);  // both keep their memory for the next rounds
    started = true;
  }
  write_in_flight_ = true;
  if (started) {
    // The write-stall clock runs from here while bytes wait.
    last_write_progress_ = Clock::now();
    if (timer_.expiry() > last_write_progress_ + options_.write_stall_timeout) arm_timer();
  }
  socket_.async_write_some(asio::buffer(writing_.data() + written_, writing_.size() - written_),
                           [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                             self->on_write(ec, n);
                           });
}

void Connection::on_write(const asio::error_code& ec, std::size_t n) {
  write_in_flight_ = false;
  if (done_) return;
  if (ec) return end(Ending::kError, "write failed: " + ec.message());
  bytes_out_ += n;
  written_ += n;
  if (n > 0) last_write_progress_ = Clock::now();
  if (pending_output() == 0) {
    writing_.clear();
    written_ = 0;
    // A burst's buffers are given back once it drained; small ones are kept for reuse.
    if (writing_.capacity() > kKeptBufferBytes) Bytes().swap(writing_);
    if (pending_.capacity() > kKeptBufferBytes) Bytes().swap(pending_);
    if (stream_.sent_end() && !shut_down_send_) {
      shut_down_send_ = true;
      asio::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
  }
  pump();
}

void Connection::begin_close(Ending ending, std::string reason) {
  closing_.emplace(ending, std::move(reason));
  close_deadline_ = Clock::now() + options_.close_timeout;
  arm_timer();
  pump();
}

void Connection::arm_timer() {
  if (done_) return;
  Clock::time_point at;
  if (closing_) {
    at = close_deadline_;
  } else if (!established_) {
    at = started_ + options_.handshake_timeout;
  } else {
    at = last_progress_ + options_.idle_timeout;
  }
  if (write_in_flight_) at = std::min(at, last_write_progress_ + options_.write_stall_timeout);
  if (established_ && !closing_) {
    const std::optional<Clock::time_point> wake = app_->wake_at();
    if (wake && *wake > Clock::now()) at = std::min(at, *wake);
    // Not while our output is held back (the peer reads nothing: pump could not send the
    // keepalive, and a deadline already past would wake us again at once, over and over).
    if (options_.keepalive_interval.count() > 0 &&
        pending_output() <= options_.max_pending_output) {
      at = std::min(at, std::max(last_sent_ + options_.keepalive_interval, Clock::now()));
    }
  }
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->on_timer();
  });
}

void Connection::on_timer() {
  if (done_) return;
  const Clock::time_point now = Clock::now();
  if (write_in_flight_ && now >= last_write_progress_ + options_.write_stall_timeout) {
    return end(Ending::kError, "write stall: the peer took none of our bytes for " +
                                   seconds_text(options_.write_stall_timeout));
  }
  if (established_ && !closing_) {
    // The app asked to run at this time (PeerApp::wake_at).
    const std::optional<Clock::time_point> wake = app_->wake_at();
    if (wake && now >= *wake) {
      pump();
      if (done_) return;
    }
    // Quiet for keepalive_interval: pump sends the keepalive.
    if (options_.keepalive_interval.count() > 0 &&
        now >= last_sent_ + options_.keepalive_interval) {
      pump();
      if (done_) return;
    }
  }
  if (closing_) {
    if (now < close_deadline_) return arm_timer();
    const auto [ending, reason] = *closing_;
    if (ending != Ending::kClean) return end(ending, reason);
    // A close that did not complete is not clean: the peer never ended its stream, or it did
    // but our last bytes (our end marker included) never left.
    return end(Ending::kError, stream_.peer_ended() ? "our output did not drain within " +
                                                          seconds_text(options_.close_timeout)
                                                    : "the peer did not end its stream within " +
                                                          seconds_text(options_.close_timeout));
  }
  if (!established_) {
    if (now < started_ + options_.handshake_timeout) return arm_timer();
    return end(
        Ending::kHandshakeTimeout,
        (stream_.established() ? "handshake timeout: the peer did not confirm its key within "
                               : "handshake timeout: no complete handshake within ") +
            seconds_text(options_.handshake_timeout));
  }
  if (now < last_progress_ + options_.idle_timeout) return arm_timer();
  begin_close(Ending::kIdleTimeout,
              "no transport chunk received for " + seconds_text(options_.idle_timeout));
}

void Connection::end(Ending ending, std::string reason) {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (established_) app_->on_closed();
  ConnectionReport r;
  r.remote = remote_;
  // An unconfirmed key is only a claim (anyone can put any key in msg2 or msg3): not reported.
  if (established_) {
    r.peer = stream_.result().peer_static_pk;
    r.handshake_hash = stream_.result().h;
  }
  r.ending = ending;
  r.reason = std::move(reason);
  r.bytes_in = bytes_in_;
  r.bytes_out = bytes_out_;
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  // The callback may drop the last other reference to this connection (the server forgets it).
  const std::shared_ptr<Connection> self = shared_from_this();
  const OnEnd on_end = std::move(on_end_);
  if (on_end) on_end(r);
}

}  // namespace osier::net
