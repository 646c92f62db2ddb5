// The client side of the daemon's control socket (the CLI's): a Unix-domain stream socket at a
// path, carrying JSON Lines — one request line out, lines back. This is only the transport; what
// the lines say is the daemon's protocol. The server side is internal (net/control_socket.hpp).
//
// Plain POSIX sockets, no Asio, no threads: each call blocks its caller until it is done or its
// time is up, holds one socket, and buffers at most one line of at most max_line_bytes (plus one
// read of 64 KiB). SIGPIPE is never raised (a daemon that hangs up is an error value).
//
// Errors: kNotFound "no daemon is running (...)" when there is no socket at the path or nothing
// listens on it (a stale socket); kInvalidArgument for a path too long for a Unix socket (at most
// 107 bytes) or a request that is not one line; kIo when time is up (no answer within the
// timeout) or the connection fails; kOutOfRange for a line longer than max_line_bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "osier/base/status.hpp"

namespace osier::net {

// The longest line the CLI takes from the daemon unless told otherwise, and the most the daemon
// queues for one client (a whole status at 10 000 namespaces is about 3 MB per peer; ask for
// {"op":"status","max_namespaces":N} beyond that).
inline constexpr std::size_t kControlMaxResponseBytes = 64 << 20;

// Connects to the daemon's socket, sends `request` and '\n', and returns the first line the
// daemon sends back (without its '\n'). `timeout` bounds the whole exchange: connecting, sending
// and waiting for the line. A daemon that closes without a whole line is kIo.
Result<std::string> control_request(const std::string& socket_path, std::string_view request,
                                    std::chrono::milliseconds timeout,
                                    std::size_t max_line_bytes = kControlMaxResponseBytes);

// Connects, sends `request` and '\n' (both within `connect_timeout`), then calls `on_line` for
// every line the daemon sends (without its '\n'; the view is valid during the call), waiting as
// long as it takes, until on_line returns false (ok), the daemon closes after a whole line (ok),
// or an error (the daemon closing in the middle of a line is kIo).
Status control_stream(const std::string& socket_path, std::string_view request,
                      const std::function<bool(std::string_view line)>& on_line,
                      std::chrono::milliseconds connect_timeout,
                      std::size_t max_line_bytes = kControlMaxResponseBytes);

}  // namespace osier::net
