// The control socket (net/control_socket.hpp) and its client (osier/net/control.hpp) over real
// Unix sockets in one process: an echo server on its own io_context thread, and clients — the
// library's, and raw sockets that misbehave (overlong lines, reading nothing, half-closing).
#include "net/control_socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "osier/net/control.hpp"
#include "support/temp_dir.hpp"

namespace osier::net {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kTimeout{5000};
constexpr std::size_t kFloodLine = 1024;

// A blocking socket connected to `path` (reads time out after 5 s, so a test never hangs), or -1.
int raw_connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The next line (without '\n'); "<eof>" or "<error>" when there is none.
std::string read_line(int fd) {
  std::string line;
  for (char c;;) {
    const ssize_t n = ::recv(fd, &c, 1, 0);
    if (n == 0) return line.empty() ? "<eof>" : "<partial>";
    if (n < 0) return line.empty() && errno == ECONNRESET ? "<eof>" : "<error>";
    if (c == '\n') return line;
    line += c;
  }
}

// Every line control_stream delivers until the daemon closes.
Result<std::vector<std::string>> stream_all(const std::string& path, std::string_view request) {
  std::vector<std::string> lines;
  const Status st = control_stream(
      path, request,
      [&](std::string_view line) {
        lines.emplace_back(line);
        return true;
      },
      kTimeout);
  if (!st) return st;
  return lines;
}

// A socket file at `path` with nobody listening, as a daemon that died leaves it.
void make_stale_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  ::close(fd);
}

class ControlSocket : public ::testing::Test {
 protected:
  ControlSocket() : guard_(asio::make_work_guard(io_)) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ControlSocket() override {
    on_io([this] { server_.reset(); });
    guard_.reset();
    thread_.join();
  }

  // Runs `f` on the io thread and returns what it returns.
  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // The echo server: each line comes back; "close" is answered and closes; "silent" is not
  // answered; "burst N" sends N numbered lines and closes; "flood" sends a line of 1 KiB every
  // millisecond until the client is gone; "stop" destroys the server.
  ControlServerOptions echo_options() {
    ControlServerOptions o;
    o.on_line = [this](const std::shared_ptr<ControlClient>& c, std::string_view line) {
      if (line == "silent") return;
      if (line == "stop") return server_.reset();
      if (line.substr(0, 6) == "burst ") {
        const int n = std::stoi(std::string(line.substr(6)));
        for (int i = 0; i < n; ++i) c->send(std::to_string(i));
        return c->close();
      }
      if (line == "flood") return flood(c);
      c->send(std::string(line));
      if (line == "close") c->close();
    };
    o.on_close = [this](const std::shared_ptr<ControlClient>& c) {
      EXPECT_TRUE(c->closed());
      ++closed_;
    };
    return o;
  }

  void flood(const std::shared_ptr<ControlClient>& c) {
    if (c->closed()) return;
    c->send(std::string(kFloodLine, 'f'));
    auto timer = std::make_shared<asio::steady_timer>(io_, milliseconds(1));
    timer->async_wait([this, c, timer](const asio::error_code&) { flood(c); });
  }

  void start(ControlServerOptions o) {
    Result<std::unique_ptr<ControlServer>> s = ControlServer::listen(io_, path_, std::move(o));
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    on_io([&] { server_ = std::move(*s); });
  }

  std::size_t clients() {
    return on_io([this] { return server_ ? server_->client_count() : std::size_t{0}; });
  }
  // Waits up to 5 s for `n` clients.
  bool wait_clients(std::size_t n) {
    for (int i = 0; i < 500 && clients() != n; ++i) std::this_thread::sleep_for(milliseconds(10));
    return clients() == n;
  }

  // Waits up to 5 s for on_close to have been called `n` times.
  bool wait_closed(int n) {
    for (int i = 0; i < 500 && closed_ != n; ++i) std::this_thread::sleep_for(milliseconds(10));
    return closed_ == n;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.sub("control.sock");
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::unique_ptr<ControlServer> server_;  // io thread only
  std::atomic<int> closed_{0};
};

TEST_F(ControlSocket, ARequestGetsItsResponse) {
  start(echo_options());
  Result<std::string> r = control_request(path_, R"({"op":"status"})", kTimeout);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, R"({"op":"status"})");
  Result<std::string> empty = control_request(path_, "", kTimeout);
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_EQ(*empty, "");
  EXPECT_EQ(control_request(path_, "two\nlines", kTimeout).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(ControlSocket, ManyLinesComeInOrder) {
  start(echo_options());
  // The server closes after the last line: the stream ends ok.
  Result<std::vector<std::string>> got = stream_all(path_, "burst 10000");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 10000u);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ((*got)[i], std::to_string(i));

  // Pipelined requests in one write, split across reads anywhere, come back in order.
  const int fd = raw_connect(path_);
  ASSERT_GE(fd, 0);
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "request " + std::to_string(i) + "\n";
  ASSERT_TRUE(write_all(fd, many));
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(read_line(fd), "request " + std::to_string(i));
  ::close(fd);
}

TEST_F(ControlSocket, OnLineReturningFalseEndsAStream) {
  start(echo_options());
  int seen = 0;
  const Status st = control_stream(
      path_, "flood",
      [&](std::string_view line) {
        EXPECT_EQ(line.size(), kFloodLine);
        return ++seen < 50;
      },
      kTimeout);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(seen, 50);
  EXPECT_TRUE(wait_clients(0));
}

TEST_F(ControlSocket, AnOverlongLineGetsAnErrorLineAndOthersAreServed) {
  ControlServerOptions o = echo_options();
  o.max_line_bytes = 1000;
  start(std::move(o));
  const int other = raw_connect(path_);
  ASSERT_GE(other, 0);
  ASSERT_TRUE(write_all(other, "before\n"));
  EXPECT_EQ(read_line(other), "before");

  // Exactly the limit is a line; one byte more is not.
  Result<std::string> at_limit = control_request(path_, std::string(1000, 'a'), kTimeout);
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.status().to_string();
  EXPECT_EQ(at_limit->size(), 1000u);
  const int fd = raw_connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(write_all(fd, std::string(1001, 'a')));  // no '\n' needed to know
  const std::string reply = read_line(fd);
  EXPECT_NE(reply.find("\"out_of_range\""), std::string::npos) << reply;
  EXPECT_NE(reply.find("at most 1000 bytes"), std::string::npos) << reply;
  EXPECT_EQ(read_line(fd), "<eof>");
  ::close(fd);

  // A request far larger than the socket's buffers: the client's send fails when the server
  // hangs up, and it still reads the error line sent before.
  Result<std::string> huge = control_request(path_, std::string(8 << 20, 'b'), kTimeout);
  ASSERT_TRUE(huge.is_ok()) << huge.status().to_string();
  EXPECT_NE(huge->find("\"out_of_range\""), std::string::npos) << *huge;

  ASSERT_TRUE(write_all(other, "after\n"));
  EXPECT_EQ(read_line(other), "after");
  ::close(other);
}

TEST_F(ControlSocket, OneClientMoreThanMaxClientsIsToldAndClosed) {
  ControlServerOptions o = echo_options();
  o.max_clients = 2;
  start(std::move(o));
  const int a = raw_connect(path_);
  const int b = raw_connect(path_);
  ASSERT_TRUE(a >= 0 && b >= 0);
  ASSERT_TRUE(wait_clients(2));
  Result<std::string> refused = control_request(path_, "hello", kTimeout);
  ASSERT_TRUE(refused.is_ok()) << refused.status().to_string();
  EXPECT_NE(refused->find("\"resource_exhausted\""), std::string::npos) << *refused;
  EXPECT_EQ(clients(), 2u);
  ::close(a);
  ASSERT_TRUE(wait_clients(1));
  Result<std::string> served = control_request(path_, "hello", kTimeout);
  ASSERT_TRUE(served.is_ok()) << served.status().to_string();
  EXPECT_EQ(*served, "hello");
  ::close(b);
  EXPECT_TRUE(wait_clients(0));
}

TEST_F(ControlSocket, AClientThatReadsNothingIsDroppedAndOthersAreNot) {
  ControlServerOptions o = echo_options();
  o.max_queued_bytes = 64 * 1024;
  start(std::move(o));
  const int sleeper = raw_connect(path_);
  ASSERT_GE(sleeper, 0);
  ASSERT_TRUE(write_all(sleeper, "flood\n"));
  // A reader of a flood keeps up, and stays until it has seen the sleeper dropped: the sleeper's
  // socket buffer fills, then its 64 KiB of queue, and it is dropped.
  bool we_stopped = false;
  const Status st = control_stream(
      path_, "flood",
      [&](std::string_view) {
        we_stopped = closed_ > 0;
        return !we_stopped;
      },
      kTimeout);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_TRUE(we_stopped);
  Result<std::string> r = control_request(path_, "still here", kTimeout);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, "still here");
  // What the sleeper finds when it reads at last: whole lines, then the end (maybe after a part
  // of a line: the output is cut where the socket's buffer was full).
  std::string line;
  int lines = 0;
  while ((line = read_line(sleeper)).size() == kFloodLine) ++lines;
  EXPECT_GT(lines, 0);
  EXPECT_TRUE(line == "<partial>" || line == "<eof>") << line;
  ::close(sleeper);
  EXPECT_TRUE(wait_clients(0));
  EXPECT_EQ(closed_, 3);
}

TEST_F(ControlSocket, TheSocketIs0600WhateverTheUmaskAndRemovedOnClose) {
  const mode_t old = ::umask(0);
  start(echo_options());
  ::umask(old);
  struct stat sb {};
  ASSERT_EQ(::lstat(path_.c_str(), &sb), 0);
  EXPECT_TRUE(S_ISSOCK(sb.st_mode));
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  // Nothing else is left beside it (the temporary directory is gone).
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"control.sock"});
  const int fd = raw_connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(wait_clients(1));
  on_io([this] { server_->close(); });
  EXPECT_EQ(closed_, 1);  // the server's close ended the client
  EXPECT_EQ(read_line(fd), "<eof>");
  ::close(fd);
  EXPECT_NE(::lstat(path_.c_str(), &sb), 0);
  on_io([this] { server_->close(); });  // idempotent
  EXPECT_EQ(control_request(path_, "x", kTimeout).status().code(), ErrorCode::kNotFound);
}

TEST_F(ControlSocket, AStaleSocketIsReplaced) {
  make_stale_socket(path_);
  Result<std::string> stale = control_request(path_, "x", kTimeout);
  EXPECT_EQ(stale.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(stale.status().message().find("no daemon is running"), std::string::npos);
  start(echo_options());
  Result<std::string> r = control_request(path_, "fresh", kTimeout);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, "fresh");
}

TEST_F(ControlSocket, ALiveSocketOrAnotherFileIsLeftAlone) {
  start(echo_options());
  Result<std::unique_ptr<ControlServer>> second = ControlServer::listen(io_, path_, echo_options());
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(second.status().message().find("a daemon is already listening on " + path_),
            std::string::npos)
      << second.status().message();
  Result<std::string> r = control_request(path_, "first", kTimeout);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, "first");

  const std::string file = dir_.sub("not-a-socket");
  std::ofstream(file) << "keep me";
  Result<std::unique_ptr<ControlServer>> over = ControlServer::listen(io_, file, echo_options());
  EXPECT_EQ(over.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::filesystem::is_regular_file(file));
}

TEST_F(ControlSocket, ASocketReplacedByAnotherIsNotRemoved) {
  start(echo_options());
  const std::string newer = dir_.sub("newer.sock");
  make_stale_socket(newer);
  ASSERT_EQ(::rename(newer.c_str(), path_.c_str()), 0);
  on_io([this] { server_.reset(); });
  struct stat sb {};
  EXPECT_EQ(::lstat(path_.c_str(), &sb), 0);  // not ours any more: left in place
}

TEST_F(ControlSocket, APathTooLongIsRefusedClearly) {
  const std::string dir = dir_.sub(std::string(60, 'd'));
  std::filesystem::create_directory(dir);
  const std::string too_long = dir + "/" + std::string(120, 's');
  Result<std::unique_ptr<ControlServer>> s = ControlServer::listen(io_, too_long, echo_options());
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("too long"), std::string::npos) << s.status().message();
  EXPECT_EQ(control_request(too_long, "x", kTimeout).status().code(), ErrorCode::kInvalidArgument);
  // Short enough to connect to, but no room for the temporary name it is bound under first.
  const std::string deep = dir_.sub(std::string(107 - dir_.path().size() - 1 - 2, 'e'));
  std::filesystem::create_directory(deep);
  const std::string tight = deep + "/s";
  ASSERT_EQ(tight.size(), 107u);
  Result<std::unique_ptr<ControlServer>> t = ControlServer::listen(io_, tight, echo_options());
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("too long"), std::string::npos) << t.status().message();
  EXPECT_TRUE(std::filesystem::is_empty(deep));
}

TEST_F(ControlSocket, NoDaemonIsNotFound) {
  Result<std::string> r = control_request(dir_.sub("missing.sock"), "x", kTimeout);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.status().message(),
            "no daemon is running (no socket at " + dir_.sub("missing.sock") + ")");
  EXPECT_EQ(control_stream(
                dir_.sub("missing.sock"), "x", [](std::string_view) { return true; }, kTimeout)
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(ControlSocket, ADaemonThatDoesNotAnswerTimesOut) {
  start(echo_options());
  const auto t0 = std::chrono::steady_clock::now();
  Result<std::string> r = control_request(path_, "silent", milliseconds(200));
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);
  EXPECT_NE(r.status().message().find("no answer"), std::string::npos) << r.status().message();
  EXPECT_GE(took, milliseconds(200));
  EXPECT_LT(took, milliseconds(10'000));  // not forever (a loaded machine may stall a while)
}

TEST_F(ControlSocket, ResponsesTooLongForTheClientAreOutOfRange) {
  start(echo_options());
  Result<std::string> r = control_request(path_, std::string(5000, 'x'), kTimeout, 4096);
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
}

TEST_F(ControlSocket, HalfClosedClientsGetTheirAnswersIncludingAnUnterminatedLastLine) {
  start(echo_options());
  const int fd = raw_connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(write_all(fd, "one\ntwo"));
  ::shutdown(fd, SHUT_WR);
  EXPECT_EQ(read_line(fd), "one");
  EXPECT_EQ(read_line(fd), "two");
  EXPECT_EQ(read_line(fd), "<eof>");
  ::close(fd);
  EXPECT_TRUE(wait_clients(0));
  EXPECT_EQ(closed_, 1);
}

TEST_F(ControlSocket, CloseWritesWhatWasQueuedFirst) {
  start(echo_options());
  Result<std::vector<std::string>> got = stream_all(path_, "close");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ(*got, std::vector<std::string>{"close"});
}

TEST_F(ControlSocket, TheServerMayBeDestroyedFromOnLine) {
  start(echo_options());
  const int other = raw_connect(path_);
  ASSERT_GE(other, 0);
  ASSERT_TRUE(wait_clients(1));
  Result<std::string> r = control_request(path_, "stop", kTimeout);
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);  // closed without an answer
  EXPECT_EQ(read_line(other), "<eof>");
  ::close(other);
  struct stat sb {};
  EXPECT_NE(::lstat(path_.c_str(), &sb), 0);
  EXPECT_TRUE(wait_closed(2));
}

}  // namespace
}  // namespace osier::net
