// A scriptable peer for the network tests: a plain blocking TCP socket to 127.0.0.1:PORT that
// sends exactly the bytes a test gives it and reads with deadlines, plus the pieces a client
// written from the spec alone needs (the handshake as initiator, then transport encryption),
// built on the sans-IO cores and nothing of net/.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "osier/base/bytes.hpp"
#include "sync/handshake.hpp"
#include "sync/transport.hpp"

namespace osier::testing {

class RawPeer {
 public:
  RawPeer() = default;
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;
  RawPeer(RawPeer&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ~RawPeer() { close(); }

  // Connects to 127.0.0.1:port, from `source` (an IPv4 address; Linux routes all of 127/8 to
  // the loopback interface, so 127.0.0.2 is a second client address); false on failure.
  bool connect(std::uint16_t port, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    if (source) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      if (::inet_pton(AF_INET, source, &from.sin_addr) != 1) return false;
      if (::bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) return false;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  }
  bool send(ByteView b) {
    std::size_t done = 0;
    while (done < b.size()) {
      const ssize_t n = ::send(fd_, b.data() + done, b.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads exactly n bytes, or fewer if the peer closes or the deadline passes.
  Bytes recv_exact(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    Bytes out;
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !readable(left)) break;
      std::uint8_t buf[4096];
      const ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (r <= 0) {
        eof_ = r == 0;
        break;
      }
      out.insert(out.end(), buf, buf + r);
    }
    return out;
  }
  // Reads until EOF (or an error, or the deadline); true iff EOF or a reset came in time.
  bool wait_closed(std::chrono::milliseconds timeout, Bytes* rest = nullptr) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !readable(left)) return false;
      std::uint8_t buf[4096];
      const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
      if (r <= 0) return true;
      if (rest) rest->insert(rest->end(), buf, buf + r);
    }
  }
  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  // Whether bytes (or the end) can be read within `timeout`; reads nothing.
  bool readable(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

 private:
  int fd_ = -1;
  bool eof_ = false;
};

// A client written from the spec's pages and the sans-IO cores only: runs the Nose XX handshake
// as initiator over a RawPeer, then speaks transport encryption.
class SpecClient {
 public:
  explicit SpecClient(sync::Handshake hs) : hs_(std::move(hs)) {}

  // Sends msg1, reads msg2 (80 bytes), sends msg3. `extra` goes out in the same write as msg3
  // (transport bytes right behind the handshake), then `first_plaintext` encrypted as a
  // transport chunk (with the keys just derived), which proves our key. True iff the handshake
  // completed.
  bool handshake(RawPeer& peer, ByteView extra = {}, ByteView first_plaintext = {}) {
    if (!peer.send(hs_.take_output())) return false;
    const Bytes msg2 = peer.recv_exact(sync::kHsMsg2Length);
    if (msg2.size() != sync::kHsMsg2Length) return false;
    auto used = hs_.receive(msg2);
    if (!used || !hs_.done()) return false;
    Bytes msg3 = hs_.take_output();
    msg3.insert(msg3.end(), extra.begin(), extra.end());
    writer_.emplace(hs_.result().sending_key());
    reader_.emplace(hs_.result().receiving_key());
    if (!first_plaintext.empty() && !writer_->write(first_plaintext, msg3)) return false;
    return peer.send(msg3);
  }
  // Reads from the peer until one more transport chunk (or the end marker) was decrypted; false
  // on an error, EOF or the deadline. The plaintext goes to `plain`.
  bool read_chunk(RawPeer& peer, Bytes& plain,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const std::uint64_t before = reader_->delivered_bytes();
    return read_until(peer, plain, timeout, [&] { return reader_->delivered_bytes() != before; });
  }
  const sync::HandshakeResult& result() const { return hs_.result(); }
  sync::TransportWriter& writer() { return *writer_; }
  // Reads from the peer until the transport's end marker (true) or an error, EOF or the
  // deadline (false); the plaintext goes to `plain`.
  bool read_until_end(RawPeer& peer, Bytes& plain,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return read_until(peer, plain, timeout, [] { return false; });
  }

 private:
  // Reads one byte at a time until `done()` or the end marker (true), or an error, EOF or the
  // deadline (false).
  template <typename Done>
  bool read_until(RawPeer& peer, Bytes& plain, std::chrono::milliseconds timeout, Done done) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!reader_->ended() && !done()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      const Bytes got = peer.recv_exact(1, left);
      if (got.empty()) return false;
      const Status st = reader_->feed(
          got, [&plain](ByteView b) { plain.insert(plain.end(), b.begin(), b.end()); });
      if (!st) return false;
    }
    return true;
  }

  sync::Handshake hs_;
  std::optional<sync::TransportWriter> writer_;
  std::optional<sync::TransportReader> reader_;
};

}  // namespace osier::testing
