#include "net/control_socket.hpp"

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <unordered_map>
#include <utility>

#include "net/unix_socket.hpp"
#include "osier/base/io_error.hpp"

namespace osier::net {
namespace {

using asio::local::stream_protocol;

// After the system refused an accept (out of descriptors, say): retrying at once would spin.
constexpr std::chrono::milliseconds kControlAcceptRetryDelay{100};
// Output buffers larger than this are freed once drained (a burst's memory is not kept).
constexpr std::size_t kKeptOutputBytes = 64 * 1024;
// The temporary directory's name beside the socket, and the socket's name in it.
constexpr char kTempDirTemplate[] = "/.ctl-XXXXXX";
constexpr char kTempSocketName[] = "/s";

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A JSON string's contents for our own messages (ASCII, but quoted paths may hold anything).
std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

void free_if_large(std::string& s) {
  if (s.capacity() > kKeptOutputBytes) std::string().swap(s);
}

}  // namespace

// The server's state, shared with its pending handlers (so destroying the ControlServer while an
// accept is pending is safe); clients point to it while they are registered.
class ControlServerState : public std::enable_shared_from_this<ControlServerState> {
 public:
  ControlServerState(asio::io_context& io, std::string path, ControlServerOptions options)
      : acceptor_(io), retry_timer_(io), path_(std::move(path)), options_(std::move(options)) {}

  Status open();
  void accept();
  void close();
  // A client ended by itself: unregisters it and tells the owner.
  void forget(ControlClient* client);

  std::string error_line(std::string_view code, std::string_view message) const {
    if (options_.error_line) return options_.error_line(code, message);
    return "{\"error\":{\"code\":\"" + json_escaped(code) + "\",\"message\":\"" +
           json_escaped(message) + "\"}}";
  }
  const ControlServerOptions& options() const { return options_; }
  std::size_t client_count() const { return clients_.size(); }
  const std::string& path() const { return path_; }

 private:
  Status bind_in(const std::string& temp_socket);
  // Moves the bound socket file from `temp_socket` to path_ (see ControlServer::listen).
  Status place(const std::string& temp_socket, SocketFileState found);
  void on_accepted(stream_protocol::socket socket);

  stream_protocol::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  const std::string path_;
  const ControlServerOptions options_;
  std::unordered_map<ControlClient*, std::shared_ptr<ControlClient>> clients_;
  dev_t device_ = 0;  // the socket file's identity, to remove it only while it is ours
  ino_t inode_ = 0;
  bool placed_ = false;
  bool closed_ = false;
};

Status ControlServerState::open() {
  if (Result<sockaddr_un> address = unix_address(path_); !address) return address.status();
  const std::string dir = parent_of(path_);
  std::string temp_dir = dir + kTempDirTemplate;
  if (temp_dir.size() + sizeof kTempSocketName - 1 > kMaxUnixSocketPath) {
    return error(ErrorCode::kInvalidArgument,
                 "the socket path " + path_ + " is too long: it is bound as " + temp_dir +
                     kTempSocketName + " first, and a Unix socket's path has at most " +
                     std::to_string(kMaxUnixSocketPath) + " bytes");
  }
  OSIER_ASSIGN_OR_RETURN(const SocketFileState found, probe_socket_file(path_));
  if (found == SocketFileState::kLive) {
    return error(ErrorCode::kInvalidArgument, "a daemon is already listening on " + path_);
  }
  if (::mkdtemp(temp_dir.data()) == nullptr) {
    return io_error("cannot create a temporary directory in " + dir, errno);
  }
  const std::string temp_socket = temp_dir + kTempSocketName;
  Status st = bind_in(temp_socket);
  if (st) st = place(temp_socket, found);
  ::unlink(temp_socket.c_str());  // gone already once placed by rename; a second name by link
  ::rmdir(temp_dir.c_str());
  if (!st) {
    asio::error_code ignored;
    acceptor_.close(ignored);
  }
  return st;
}

Status ControlServerState::bind_in(const std::string& temp_socket) {
  asio::error_code ec;
  acceptor_.open(stream_protocol(), ec);
  if (!ec) acceptor_.bind(stream_protocol::endpoint(temp_socket), ec);
  if (ec) return error(ErrorCode::kIo, "cannot bind " + temp_socket + ": " + ec.message());
  // Only we can reach the directory (0700), so nobody connects before the mode is final.
  if (::chmod(temp_socket.c_str(), 0600) != 0) return io_error(temp_socket, errno);
  struct stat sb {};
  if (::lstat(temp_socket.c_str(), &sb) != 0) return io_error(temp_socket, errno);
  device_ = sb.st_dev;
  inode_ = sb.st_ino;
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return error(ErrorCode::kIo, "cannot listen on " + temp_socket + ": " + ec.message());
  return Status::ok();
}

Status ControlServerState::place(const std::string& temp_socket, SocketFileState found) {
  // Nothing there: link(2) never replaces a file, so a daemon that started meanwhile keeps its
  // socket. A stale socket: rename(2) replaces it in one step.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (found == SocketFileState::kStale) {
      if (::rename(temp_socket.c_str(), path_.c_str()) != 0) {
        return io_error("cannot replace the stale socket " + path_, errno);
      }
      placed_ = true;
      return Status::ok();
    }
    if (::link(temp_socket.c_str(), path_.c_str()) == 0) {
      placed_ = true;
      return Status::ok();
    }
    if (errno != EEXIST) return io_error("cannot create " + path_, errno);
    OSIER_ASSIGN_OR_RETURN(found, probe_socket_file(path_));
    if (found == SocketFileState::kLive) {
      return error(ErrorCode::kInvalidArgument, "a daemon is already listening on " + path_);
    }
  }
  return error(ErrorCode::kIo, "cannot create " + path_ + ": it keeps changing");
}

void ControlServerState::accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const asio::error_code& ec, stream_protocol::socket socket) {
        if (self->closed_) return;
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          self->retry_timer_.expires_after(kControlAcceptRetryDelay);
          self->retry_timer_.async_wait([self](const asio::error_code& e) {
            if (!e && !self->closed_) self->accept();
          });
          return;
        }
        self->on_accepted(std::move(socket));
        self->accept();
      });
}

void ControlServerState::on_accepted(stream_protocol::socket socket) {
  if (clients_.size() >= options_.max_clients) {
    // Said and closed at once: a fresh socket's buffer takes one short line without waiting.
    const std::string line =
        error_line("resource_exhausted",
                   "too many control clients (" + std::to_string(clients_.size()) + " connected)") +
        "\n";
    asio::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(line), ignored);
    socket.close(ignored);
    return;
  }
  auto client = std::make_shared<ControlClient>(std::move(socket), this);
  clients_.emplace(client.get(), client);
  client->start();
}

void ControlServerState::forget(ControlClient* client) {
  const auto keep = shared_from_this();  // on_close may destroy the ControlServer
  const auto it = clients_.find(client);
  if (it == clients_.end()) return;
  const std::shared_ptr<ControlClient> gone = std::move(it->second);
  clients_.erase(it);
  if (options_.on_close) options_.on_close(gone);
}

void ControlServerState::close() {
  if (closed_) return;
  closed_ = true;
  const auto keep = shared_from_this();
  asio::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  if (placed_) {
    struct stat sb {};
    if (::lstat(path_.c_str(), &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_dev == device_ &&
        sb.st_ino == inode_) {
      ::unlink(path_.c_str());
    }
  }
  // Ended first, then told: on_close sees every client closed and cannot reach the others.
  auto clients = std::move(clients_);
  clients_.clear();
  for (const auto& [raw, client] : clients) client->detach();
  if (options_.on_close) {
    for (const auto& [raw, client] : clients) options_.on_close(client);
  }
}

ControlClient::ControlClient(stream_protocol::socket socket, ControlServerState* server)
    : socket_(std::move(socket)), server_(server) {}

void ControlClient::start() { read(); }

void ControlClient::read() {
  if (closed()) return;
  socket_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void ControlClient::on_read(const asio::error_code& ec, std::size_t n) {
  if (done_) return;
  if (ec == asio::error::eof) {
    // The client sends no more. A last line without its '\n' still counts; what it is owed is
    // written before closing.
    if (!closing_ && !line_.empty()) {
      const std::string last = std::move(line_);
      line_.clear();
      deliver(last);
    }
    return close();
  }
  if (ec) return end();
  if (closing_) return;  // close() was called: the rest of the input is not read
  if (take_lines(std::string_view(read_buf_.data(), n))) read();
}

bool ControlClient::take_lines(std::string_view data) {
  const std::size_t max = server_->options().max_line_bytes;
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    const std::size_t part = nl == std::string_view::npos ? data.size() : nl;
    if (line_.size() + part > max) {
      fail("out_of_range", "a request line is at most " + std::to_string(max) + " bytes");
      return false;
    }
    if (nl == std::string_view::npos) {
      line_.append(data);
      return true;
    }
    std::string_view line = data.substr(0, nl);
    if (!line_.empty()) {
      line_.append(line);
      line = line_;
    }
    data.remove_prefix(nl + 1);
    deliver(line);
    line_.clear();
    if (closed()) return false;
  }
  free_if_large(line_);
  return true;
}

void ControlClient::deliver(std::string_view line) {
  // The owner may close or destroy the ControlServer in on_line (a "stop" request): its state
  // (and so on_line itself) lives on until the call returns; the client, detached then, stops.
  const std::shared_ptr<ControlServerState> server = server_->shared_from_this();
  if (server->options().on_line) server->options().on_line(shared_from_this(), line);
}

void ControlClient::send(std::string line) {
  if (closed()) return;
  if (queued_bytes() + line.size() + 1 > server_->options().max_queued_bytes) return end();
  if (pending_.empty()) {
    pending_ = std::move(line);
  } else {
    pending_ += line;
  }
  pending_ += '\n';
  write();
}

void ControlClient::close() {
  if (closed()) return;
  closing_ = true;
  write();  // ends at once when nothing waits
}

void ControlClient::fail(std::string_view code, const std::string& message) {
  if (closed()) return;
  send(server_->error_line(code, message));
  close();
}

void ControlClient::write() {
  if (done_ || write_in_flight_) return;
  if (written_ == writing_.size()) {
    writing_.clear();
    written_ = 0;
    free_if_large(writing_);
    if (pending_.empty()) {
      if (closing_) end();
      return;
    }
    std::swap(writing_, pending_);
  }
  write_in_flight_ = true;
  socket_.async_write_some(asio::buffer(writing_.data() + written_, writing_.size() - written_),
                           [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                             self->on_write(ec, n);
                           });
}

void ControlClient::on_write(const asio::error_code& ec, std::size_t n) {
  write_in_flight_ = false;
  if (done_) return;
  if (ec) return end();
  written_ += n;
  write();
}

void ControlClient::end() {
  if (done_) return;
  ControlServerState* server = std::exchange(server_, nullptr);
  release();
  server->forget(this);
}

void ControlClient::detach() {
  server_ = nullptr;
  release();
}

void ControlClient::release() {
  done_ = true;
  asio::error_code ignored;
  socket_.close(ignored);  // the pending read and write finish with operation_aborted
  // The queue goes now. The line being delivered (on_line may be running: a send() that
  // overflowed ends us) and the buffer of a pending write stay until the client is destroyed.
  std::string().swap(pending_);
}

Result<std::unique_ptr<ControlServer>> ControlServer::listen(asio::io_context& io,
                                                             const std::string& path,
                                                             ControlServerOptions options) {
  auto state = std::make_shared<ControlServerState>(io, path, std::move(options));
  OSIER_RETURN_IF_ERROR(state->open());
  state->accept();
  return std::make_unique<ControlServer>(std::move(state));
}

ControlServer::~ControlServer() { close(); }

void ControlServer::close() { state_->close(); }

std::size_t ControlServer::client_count() const { return state_->client_count(); }

const std::string& ControlServer::path() const { return state_->path(); }

}  // namespace osier::net
