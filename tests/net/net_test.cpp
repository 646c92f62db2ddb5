// net/: the listener, the dialer and connections over real loopback sockets, in one process (so
// ThreadSanitizer sees both ends: scripts/tsan.sh runs these). The server runs on its own thread;
// clients dial from others. The process-level tests of `osier serve` (hostile peers, signals)
// are in tests/cli/serve_test.cpp.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "net/net_test_util.hpp"
#include "net/server.hpp"
#include "osier/base/hex.hpp"
#include "osier/net/endpoint.hpp"
#include "sync/lcmux_frames.hpp"
#include "sync/secure_stream.hpp"

namespace osier::net {
namespace {

using std::chrono::milliseconds;
using testing::RunningServer;

std::uint8_t pattern(std::uint64_t i) { return static_cast<std::uint8_t>(i * 131 + (i >> 9)); }

// Sends `total` bytes of pattern() on `channel`, keeping at most 256 KiB queued, and closes once
// every byte is sent and confirmed (no optimistic frame can still be dropped).
class SourceApp : public PeerApp {
 public:
  SourceApp(std::uint64_t channel, std::uint64_t total) : channel_(channel), total_(total) {}
  Status on_progress(sync::LcmuxSession& mux) override {
    while (queued_ < total_ && mux.queued_bytes() < 256 * 1024) {
      const std::uint64_t n = std::min<std::uint64_t>(64 * 1024, total_ - queued_);
      Bytes b(n);
      for (std::uint64_t i = 0; i < n; ++i) b[i] = pattern(queued_ + i);
      OSIER_RETURN_IF_ERROR(mux.send_channel(channel_, b));
      queued_ += n;
    }
    done_ = queued_ == total_ && mux.unsent_bytes(channel_) == 0 &&
            mux.client(channel_).unconfirmed_bytes() == 0;
    return Status::ok();
  }
  bool wants_close() const override { return done_; }

 private:
  std::uint64_t channel_, total_, queued_ = 0;
  bool done_ = false;
};

// Reads every channel and checks that `channel` carries pattern() in order.
class CheckingSink : public PeerApp {
 public:
  CheckingSink(std::uint64_t channel, std::atomic<std::uint64_t>& total)
      : channel_(channel), total_(total) {}
  Status on_progress(sync::LcmuxSession& mux) override {
    for (std::uint64_t c = 0; c < mux.channel_count(); ++c) {
      while (const std::size_t n = mux.readable(c)) {
        const Bytes b = mux.read(c, n);
        if (c != channel_) return error(ErrorCode::kInvalidEncoding, "bytes on another channel");
        for (std::uint8_t x : b) {
          if (x != pattern(got_++)) return error(ErrorCode::kInvalidEncoding, "bytes out of order");
        }
        total_ += b.size();
      }
    }
    return Status::ok();
  }

 private:
  std::uint64_t channel_;
  std::uint64_t got_ = 0;
  std::atomic<std::uint64_t>& total_;
};

// Streams `total` bytes on channel 2 and checks the `total` bytes the peer streams on it; closes
// once both are done (so neither side ends before the other's stream arrived whole).
class DuplexApp : public PeerApp {
 public:
  explicit DuplexApp(std::uint64_t total) : total_(total), source_(2, total), sink_(2, received_) {}
  Status on_progress(sync::LcmuxSession& mux) override {
    OSIER_RETURN_IF_ERROR(sink_.on_progress(mux));
    return source_.on_progress(mux);
  }
  bool wants_close() const override { return source_.wants_close() && received_ == total_; }
  std::uint64_t received() const { return received_; }

 private:
  std::uint64_t total_;
  std::atomic<std::uint64_t> received_{0};
  SourceApp source_;
  CheckingSink sink_;
};

// Counts handshakes completed.
class CountingApp : public PeerApp {
 public:
  explicit CountingApp(std::atomic<int>& n) : n_(n) {}
  Status on_established(const sync::HandshakeResult& /*hs*/, sync::LcmuxSession& /*mux*/) override {
    ++n_;
    return Status::ok();
  }

 private:
  std::atomic<int>& n_;
};

// A listening loopback socket on a free port, for hand-written responders.
struct RawListener {
  RawListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd, 1), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
  }
  ~RawListener() { ::close(fd); }
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;
  Endpoint endpoint() const { return Endpoint{"127.0.0.1", port}; }
  int fd = -1;
  std::uint16_t port = 0;
};

// A guarantee frame: what LCMUX sends first, which proves the sender's key.
Bytes guarantee_frame(std::uint64_t channel, std::uint64_t amount) {
  Encoder enc;
  sync::encode_lcmux_frame(enc, sync::IssueGuaranteesFrame{channel, amount});
  return enc.take();
}

// A hand-written responder on `fd`: completes the handshake and sends `first` as its first
// transport chunk. False on a failure or EOF.
bool respond(int fd, sync::SecureStream& stream, ByteView first) {
  std::uint8_t buf[4096];
  while (!stream.established()) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    if (!stream.receive(ByteView(buf, static_cast<std::size_t>(n)), [](ByteView) {})) return false;
    if (stream.established() && !stream.send(first)) return false;
    const Bytes out = stream.take_output();
    if (!out.empty() && ::write(fd, out.data(), out.size()) < 0) return false;
  }
  return true;
}

TEST(Endpoint, ParsesHostPortForms) {
  auto e = parse_endpoint("127.0.0.1:80");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 80);
  e = parse_endpoint("localhost");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->port, kDefaultPort);
  e = parse_endpoint("[::1]:9");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->to_string(), "[::1]:9");
  e = parse_endpoint("::1");  // a bare IPv6 address: no port in it
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, kDefaultPort);
  e = parse_endpoint("tcp://example.org:7/");  // the URL form
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->host, "example.org");
  EXPECT_EQ(e->port, 7);
  for (const char* bad : {"", ":80", "host:", "host:65536", "host:-1", "host:8x", "[::1", "[::1]x",
                          "host:0000080", "tcp://"}) {
    EXPECT_FALSE(parse_endpoint(bad).is_ok()) << bad;
  }
}

TEST(Endpoint, TheFirstHintNamingAPeerIsTaken) {
  auto e = endpoint_from_hints(
      {"https://example.org/x", "wcsp://worm-blossom.org:1234/example", "tcp://127.0.0.1:9"});
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->to_string(), "worm-blossom.org:1234");
  e = endpoint_from_hints({"tcp://:80", "tcp://[::1]:5/a/b"});  // the first does not parse
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->to_string(), "[::1]:5");
  e = endpoint_from_hints({"wcsp://example.org"});
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->port, kDefaultPort);
  EXPECT_EQ(endpoint_from_hints({}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(endpoint_from_hints({"mailto:me@example.org", "example.org:80"}).status().code(),
            ErrorCode::kNotFound);
}

TEST(NetServer, DialerAndServerAuthenticateEachOtherAndCloseCleanly) {
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto client_key = crypto::Ed25519SecretKey::generate();
  RunningServer s(server_key, {});
  HandshakeOnlyApp app;
  Result<ConnectionReport> r = dial(s.endpoint(), client_key, {}, app);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->clean()) << r->line();
  ASSERT_TRUE(r->peer);
  EXPECT_EQ(*r->peer, server_key.public_key());
  const auto reports = s.wait_reports(1, milliseconds(5000));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].clean()) << reports[0].line();
  ASSERT_TRUE(reports[0].peer);
  EXPECT_EQ(*reports[0].peer, client_key.public_key());
  // Both sides derived the same final handshake hash.
  EXPECT_EQ(reports[0].handshake_hash, r->handshake_hash);
  EXPECT_EQ(reports[0].bytes_in, r->bytes_out);
  EXPECT_EQ(reports[0].bytes_out, r->bytes_in);
}

// Dials under way count towards max_connections: three dials at once from a server allowed two
// connections make two (the third fails at once, naming the limit); before, none was counted
// until connected, and all three were made.
TEST(NetServer, DialsUnderWayCountTowardsTheConnectionLimit) {
  // Servers keep a reference to their key: the keys outlive them.
  const auto listener_key = crypto::Ed25519SecretKey::generate();
  const auto dialer_key = crypto::Ed25519SecretKey::generate();
  RunningServer listener(listener_key, {});
  ServerOptions o;
  o.listen = Endpoint{"127.0.0.1", 0};
  o.max_connections = 2;
  auto dialer = Server::listen(dialer_key, std::move(o));
  ASSERT_TRUE(dialer.is_ok()) << dialer.status().to_string();
  std::mutex mu;
  std::vector<ConnectionReport> ends;  // guarded by mu
  for (int i = 0; i < 3; ++i) {
    (*dialer)->connect(listener.endpoint(), std::make_shared<HandshakeOnlyApp>(),
                       [&](const ConnectionReport& r) {
                         const std::lock_guard lock(mu);
                         ends.push_back(r);
                       });
  }
  {
    const std::lock_guard lock(mu);
    ASSERT_EQ(ends.size(), 1u);  // at once, before run()
    EXPECT_NE(ends[0].reason.find("2 connections open or opening, the limit"), std::string::npos)
        << ends[0].line();
  }
  // The two others connect, shake hands and close.
  std::thread run([&] { (*dialer)->run(); });
  EXPECT_EQ(listener.wait_reports(2, milliseconds(10000)).size(), 2u);
  EXPECT_EQ(listener.wait_reports(3, milliseconds(300)).size(), 2u);  // and no third
  (*dialer)->stop();
  run.join();
  const std::lock_guard lock(mu);
  EXPECT_EQ(ends.size(), 3u);
}

// Several clients at once, each streaming a channel's bytes to the server, which checks their
// order and content.
TEST(NetServer, ServesManyClientsAtOnceWithIntactStreams) {
  const auto server_key = crypto::Ed25519SecretKey::generate();
  std::atomic<std::uint64_t> received{0};
  ServerOptions o;
  o.make_app = [&received] { return std::make_unique<CheckingSink>(2, received); };
  RunningServer s(server_key, std::move(o));
  constexpr int kClients = 6;
  constexpr std::uint64_t kBytes = 300'000;
  std::vector<std::thread> clients;
  std::atomic<int> clean{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      const auto key = crypto::Ed25519SecretKey::generate();
      SourceApp app(2, kBytes);
      Result<ConnectionReport> r = dial(s.endpoint(), key, {}, app);
      if (r && r->clean()) ++clean;
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(clean.load(), kClients);
  const auto reports = s.wait_reports(kClients, milliseconds(10000));
  ASSERT_EQ(reports.size(), static_cast<std::size_t>(kClients));
  for (const ConnectionReport& r : reports) EXPECT_TRUE(r.clean()) << r.line();
  EXPECT_EQ(received.load(), kClients * kBytes);
}

// stop() from another thread ends every connection politely: the client sees the end marker and
// closes cleanly; run() returns.
TEST(NetServer, StopFromAnotherThreadEndsConnectionsPolitely) {
  const auto server_key = crypto::Ed25519SecretKey::generate();
  std::atomic<int> established{0};
  ServerOptions o;
  o.make_app = [&established] { return std::make_unique<CountingApp>(established); };
  RunningServer s(server_key, std::move(o));
  std::vector<std::thread> clients;
  std::atomic<int> clean{0};
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      const auto key = crypto::Ed25519SecretKey::generate();
      PeerApp idle;  // never asks to close
      Result<ConnectionReport> r = dial(s.endpoint(), key, {}, idle);
      if (r && r->clean()) ++clean;
    });
  }
  for (int tries = 0; tries < 1000 && established.load() < 3; ++tries)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(established.load(), 3);
  s.server().stop();
  s.server().stop();  // idempotent
  for (std::thread& t : clients) t.join();
  s.join();
  EXPECT_EQ(clean.load(), 3);
  const auto reports = s.wait_reports(3, milliseconds(1000));
  ASSERT_EQ(reports.size(), 3u);
  for (const ConnectionReport& r : reports) {
    EXPECT_EQ(r.ending, Ending::kStopped) << r.line();
    EXPECT_TRUE(r.peer);
  }
}

// A peer that completes the handshake and then never ends its stream: the dialer's close times
// out, and that is not a clean close (it was reported clean, and `osier connect` exited 0).
TEST(NetDial, ACloseThePeerNeverAnswersIsNotClean) {
  RawListener listener;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  std::atomic<bool> dialer_done{false};
  std::thread mute([&] {
    // A responder that sends its first transport chunk (proving its key) and nothing after it;
    // it reads everything and keeps its side open until the dialer has given up.
    const int fd = ::accept(listener.fd, nullptr, nullptr);
    if (fd < 0) return;
    auto stream = sync::SecureStream::create(sync::HandshakeRole::kResponder, server_key).value();
    if (respond(fd, stream, guarantee_frame(0, 16))) {
      std::uint8_t buf[4096];
      while (::read(fd, buf, sizeof buf) > 0) {
      }
    }
    while (!dialer_done) std::this_thread::sleep_for(milliseconds(5));
    ::close(fd);
  });
  ConnectionOptions o;
  o.close_timeout = milliseconds(300);
  HandshakeOnlyApp app;
  Result<ConnectionReport> r =
      dial(listener.endpoint(), crypto::Ed25519SecretKey::generate(), o, app);
  dialer_done = true;
  mute.join();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->clean()) << r->line();
  EXPECT_NE(r->reason.find("the peer did not end its stream"), std::string::npos) << r->line();
  EXPECT_EQ(r->peer, server_key.public_key()) << r->line();
}

// A fake server claims a victim's key in msg2 (the handshake has no payload tags, so nothing
// checks it there) and closes once msg3 arrives. The dialer never reports the victim's key, and
// its app never hears of the peer: only a transport chunk that decrypts proves the key.
TEST(NetDial, AnImpostorsClaimedKeyIsNotReported) {
  RawListener listener;
  const crypto::Ed25519PublicKey victim = crypto::Ed25519SecretKey::generate().public_key();
  std::thread impostor([&] {
    const int fd = ::accept(listener.fd, nullptr, nullptr);
    if (fd < 0) return;
    auto hs = sync::Handshake::claiming_for_tests(sync::HandshakeRole::kResponder,
                                                  crypto::Ed25519SecretKey::generate(), victim)
                  .value();
    std::uint8_t buf[4096];
    std::size_t got = 0;
    while (got < sync::kHsMsg1Length) {  // msg1
      const ssize_t n = ::read(fd, buf + got, sync::kHsMsg1Length - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got == sync::kHsMsg1Length && hs.receive(ByteView(buf, got)).is_ok()) {
      const Bytes msg2 = hs.take_output();
      if (::write(fd, msg2.data(), msg2.size()) == static_cast<ssize_t>(msg2.size())) {
        // Whatever comes next (msg3, the dialer's first chunk) cannot be decrypted: close.
        (void)::read(fd, buf, sizeof buf);
      }
    }
    ::close(fd);
  });
  std::atomic<int> established{0};
  CountingApp app(established);
  Result<ConnectionReport> r =
      dial(listener.endpoint(), crypto::Ed25519SecretKey::generate(), ConnectionOptions{}, app);
  impostor.join();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->clean()) << r->line();
  EXPECT_FALSE(r->peer) << r->line();
  EXPECT_FALSE(r->handshake_hash) << r->line();
  EXPECT_EQ(r->line().find(to_hex(victim)), std::string::npos) << r->line();
  EXPECT_EQ(established, 0);
}

// Both peers stream several MiB at once with a small output bound. Backpressure is on producing,
// not on reading, so neither stops reading while its own output waits (which deadlocked until
// the idle timeout when both sides' socket buffers were full): both streams arrive whole and the
// connection closes cleanly, well before the idle timeout.
TEST(NetServer, BothPeersStreamingAtOnceDoNotDeadlock) {
  static constexpr std::uint64_t kBytes = std::uint64_t{3} << 20;
  ConnectionOptions co;
  co.max_pending_output = 64 * 1024;
  co.idle_timeout = milliseconds(120'000);
  const auto server_key = crypto::Ed25519SecretKey::generate();
  ServerOptions o;
  o.connection = co;
  o.make_app = [] { return std::make_unique<DuplexApp>(kBytes); };
  RunningServer s(server_key, std::move(o));
  DuplexApp app(kBytes);
  const auto t0 = std::chrono::steady_clock::now();
  Result<ConnectionReport> r = dial(s.endpoint(), crypto::Ed25519SecretKey::generate(), co, app);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->clean()) << r->line();
  EXPECT_EQ(app.received(), kBytes);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, co.idle_timeout / 2);
  const auto reports = s.wait_reports(1, milliseconds(30'000));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].clean()) << reports[0].line();
}

// A peer that grants us plenty but never reads: once the socket buffers are full our output
// makes no progress, and the connection ends after write_stall_timeout with that reason (it
// used to wait for the idle timeout, reading paused).
TEST(NetDial, APeerThatNeverReadsIsDroppedAfterTheWriteStallTimeout) {
  RawListener listener;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  std::atomic<bool> dialer_done{false};
  std::thread deaf([&] {
    const int fd = ::accept(listener.fd, nullptr, nullptr);
    if (fd < 0) return;
    auto stream = sync::SecureStream::create(sync::HandshakeRole::kResponder, server_key).value();
    (void)respond(fd, stream, guarantee_frame(2, std::uint64_t{1} << 30));
    // Reads nothing more until the dialer has given up.
    while (!dialer_done) std::this_thread::sleep_for(milliseconds(5));
    ::close(fd);
  });
  ConnectionOptions o;
  o.write_stall_timeout = milliseconds(500);
  SourceApp app(2, std::uint64_t{64} << 20);
  Result<ConnectionReport> r =
      dial(listener.endpoint(), crypto::Ed25519SecretKey::generate(), o, app);
  dialer_done = true;
  deaf.join();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->clean()) << r->line();
  EXPECT_NE(r->reason.find("write stall"), std::string::npos) << r->line();
}

TEST(NetServer, ListenFailureIsAnError) {
  const auto key = crypto::Ed25519SecretKey::generate();
  RunningServer s(key, {});
  ServerOptions o;
  o.listen = s.endpoint();  // taken
  auto second = Server::listen(key, o);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kIo);
  EXPECT_NE(second.status().message().find("cannot listen on 127.0.0.1:"), std::string::npos);
}

TEST(NetServer, DialingNothingFailsWithoutHanging) {
  const auto key = crypto::Ed25519SecretKey::generate();
  std::uint16_t port = 0;
  {
    RunningServer s(key, {});
    port = s.endpoint().port;
  }
  HandshakeOnlyApp app;
  Result<ConnectionReport> r = dial(Endpoint{"127.0.0.1", port}, key, {}, app, milliseconds(2000));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);
}

// Peers configured with different prologues fail the handshake on both sides (the initiator
// cannot decrypt msg2 and closes; the responder sees EOF mid-handshake).
TEST(NetServer, DifferentProloguesFailTheHandshakeOnBothSides) {
  const auto key = crypto::Ed25519SecretKey::generate();
  RunningServer s(key, {});
  ConnectionOptions other;
  other.prologue = Bytes(16, 1);
  HandshakeOnlyApp app;
  Result<ConnectionReport> r = dial(s.endpoint(), key, other, app);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->ending, Ending::kError) << r->line();
  EXPECT_NE(r->reason.find("handshake: "), std::string::npos) << r->line();
  const auto reports = s.wait_reports(1, milliseconds(5000));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].ending, Ending::kError) << reports[0].line();
  EXPECT_FALSE(reports[0].peer);
}

}  // namespace
}  // namespace osier::net

namespace osier::net {
namespace {

// The application may refuse an authenticated peer (later: one without a usable capability).
class RefusingApp : public PeerApp {
 public:
  Status on_established(const sync::HandshakeResult& /*hs*/, sync::LcmuxSession& /*mux*/) override {
    return error(ErrorCode::kVerification, "not welcome");
  }
};

TEST(NetServer, TheApplicationMayRefuseAnAuthenticatedPeer) {
  const auto key = crypto::Ed25519SecretKey::generate();
  ServerOptions o;
  o.make_app = [] { return std::make_unique<RefusingApp>(); };
  RunningServer s(key, std::move(o));
  HandshakeOnlyApp app;
  Result<ConnectionReport> r = dial(s.endpoint(), key, {}, app);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->clean()) << r->line();
  const auto reports = s.wait_reports(1, milliseconds(5000));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].ending, Ending::kError);
  EXPECT_EQ(reports[0].reason, "refused by the application: not welcome") << reports[0].line();
  EXPECT_TRUE(reports[0].peer);
}

}  // namespace
}  // namespace osier::net
