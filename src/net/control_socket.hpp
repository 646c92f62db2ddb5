// The daemon's local control socket: a Unix-domain stream socket carrying JSON Lines (one request
// per line from a client; any number of lines back). This is only the transport: it splits lines,
// bounds them and queues output; what the lines mean is the daemon's (on_line). The CLI's side
// is osier/net/control.hpp.
//
// Access: the socket file is created with mode 0600, with no moment at which anyone else could
// connect (see listen()); the file system's permissions are the whole of the access control.
//
// Policy and memory: at most max_clients clients (one more is accepted and closed at once); a
// request line is at most max_line_bytes (a longer one gets an error line, then the client is
// closed once it is written); a client has at most max_queued_bytes of our output waiting (one
// that does not read it is dropped at once). So a client costs a fixed read buffer
// (kControlReadBytes), its partial line and its queued output, each bounded.
//
// Threads: everything runs on the caller's io_context, which one thread runs (the daemon's).
// listen() may be called on any thread (before or while that thread runs the io_context); every
// other method of ControlServer and ControlClient, and the destructor, on that thread only, and
// the callbacks run there. Handlers capture shared_ptrs, so a server or client destroyed while
// its operations are pending is safe, and so is closing or destroying the server from a callback.
#pragma once

#include <array>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "osier/base/status.hpp"

namespace osier::net {

// What one read takes from a client's socket.
inline constexpr std::size_t kControlReadBytes = 16 * 1024;

class ControlClient;
class ControlServerState;  // control_socket.cpp

struct ControlServerOptions {
  std::size_t max_clients = 32;  // one more is accepted and closed at once (after an error line)
  // A longer request line: an error line is sent, then the client is closed.
  std::size_t max_line_bytes = 64 * 1024;
  // A client that leaves more of our output unread than this is dropped at once (its output
  // discarded). A single line longer than this drops the client too.
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
  // Called for each complete request line (without the '\n'; a '\r' before it stays), in order.
  // The line is valid only during the call. Lines after the client's close() are not delivered.
  // A client that ends its input (exits, or shuts down its sending side) is closed once the
  // output queued by then is written, after a last line without its '\n' is delivered: answers
  // sent from within on_line reach it, later ones do not (control_request keeps its side open).
  std::function<void(const std::shared_ptr<ControlClient>&, std::string_view line)> on_line;
  // Optional: called once for each client that ends, however it ends (it closed, was closed or
  // dropped, or the server closed); closed() is true by then.
  std::function<void(const std::shared_ptr<ControlClient>&)> on_close;
  // The line sent before the transport itself closes a client (a request line too long, too many
  // clients); `message` says why. Default: {"error":{"code":"...","message":"..."}} with code
  // "out_of_range" or "resource_exhausted".
  std::function<std::string(std::string_view code, std::string_view message)> error_line;
};

// One accepted connection. io_context thread only.
class ControlClient : public std::enable_shared_from_this<ControlClient> {
 public:
  // Queues `line` and a '\n' for the client, written in the order of the calls. Nothing happens
  // once closed(). Output beyond max_queued_bytes drops the client (and on_close is called).
  // REQUIRES: `line` has no '\n' (a JSON text as nlohmann::json::dump() makes it has none).
  void send(std::string line);
  // Closes the client once the output queued so far is written; reads no more lines.
  // Idempotent.
  void close();
  // True once close() was called or the client ended (hung up, dropped, server closed).
  bool closed() const { return closing_ || done_; }
  // How many bytes of output wait for the client.
  std::size_t queued_bytes() const { return pending_.size() + (writing_.size() - written_); }

  // Private: made by the server. Public for std::make_shared.
  ControlClient(asio::local::stream_protocol::socket socket, ControlServerState* server);

 private:
  friend class ControlServerState;

  void start();
  void read();
  void on_read(const asio::error_code& ec, std::size_t n);
  // Delivers the complete lines of `data` (and keeps the rest); false once reading should stop.
  bool take_lines(std::string_view data);
  // Calls on_line.
  void deliver(std::string_view line);
  void write();
  void on_write(const asio::error_code& ec, std::size_t n);
  // Sends the transport's own error line, then closes.
  void fail(std::string_view code, const std::string& message);
  // Ends now: closes the socket, and the server forgets the client (on_close).
  void end();
  // The server closed: end without calling back into it.
  void detach();
  // Closes the socket and frees the queued output; done_ from then on.
  void release();

  asio::local::stream_protocol::socket socket_;
  ControlServerState* server_;  // null once detached; valid while !done_
  std::array<char, kControlReadBytes> read_buf_{};
  std::string line_;     // the start of a request line whose '\n' has not come yet
  std::string pending_;  // output not yet handed to the socket
  std::string writing_;  // the output being written; the first written_ bytes have gone
  std::size_t written_ = 0;
  bool write_in_flight_ = false;
  bool closing_ = false;  // close(): end once the output is written
  bool done_ = false;     // ended: the socket is closed
};

class ControlServer {
 public:
  // Creates the socket file at `path`, mode 0600, and accepts clients on `io`.
  //
  // Race-free creation: the socket is bound inside a fresh temporary directory beside `path`
  // (mkdtemp: mode 0700, ours alone), given mode 0600 there and only then moved into place
  // (link(2) where nothing is at `path`, which never replaces anything; rename(2) over a stale
  // socket). Nobody else can reach the socket before its mode is 0600. The alternatives are
  // worse: narrowing the umask around bind(2) races with other threads creating files (the
  // umask is per process), and fchmod(2) of the socket before bind(2) works on Linux only and
  // is documented nowhere. The cost: `path` must be at most kMaxUnixSocketPath bytes, and so
  // must the temporary name DIR/.ctl-XXXXXX/s (the directory's path plus 14 bytes);
  // kInvalidArgument otherwise. The temporary directory is removed before listen() returns.
  //
  // A stale socket at `path` (connecting is refused: its daemon died) is replaced. A live one
  // (a connection is accepted) is kInvalidArgument "a daemon is already listening on PATH";
  // something that is not a socket is kInvalidArgument and left alone. (Two servers starting at
  // once over one stale socket may both replace it: the daemon's own lock decides who runs.)
  static Result<std::unique_ptr<ControlServer>> listen(asio::io_context& io,
                                                       const std::string& path,
                                                       ControlServerOptions options);
  // close().
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Stops accepting, ends every client at once (on_close for each, during the call; output not
  // yet written is discarded) and removes the socket file if it is still ours (the same device
  // and inode: a newer daemon's socket at `path` is left alone). Idempotent.
  void close();
  std::size_t client_count() const;
  const std::string& path() const;

  explicit ControlServer(std::shared_ptr<ControlServerState> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<ControlServerState> state_;
};

}  // namespace osier::net
