// Host-name lookups for outbound connections, several at once and off the event loop.
//
// Why not asio's async_resolve: it runs every lookup of an io_context on one internal thread, one
// after another. A name whose DNS server does not answer keeps getaddrinfo busy for its full
// timeout (tens of seconds with retries), and every other dial by name waited behind it — a
// daemon with many peers given by name reached none of them while one name hung.
//
// Each lookup runs on a thread of its own, at most kMaxThreads at once (the rest wait in order),
// and its result is posted to the io_context, where `done` runs. A lookup cannot be cancelled
// (getaddrinfo cannot be): the caller ignores a result it no longer wants, and a caller that
// gives a `wanted` token and drops it has its lookup skipped if it has not started (a dial that
// timed out while queued behind hanging names costs no thread later); its `done` is then
// destroyed on the io_context's thread, never run. Destroying the
// HostLookups (before its io_context) drops the lookups still queued and every result still to
// come; threads still in getaddrinfo end on their own, touching nothing but their shared state.
//
// Memory: per queued or running lookup its host name and callback; threads: at most kMaxThreads.
// Thread safety: lookup() and the destructor on the io_context's thread; `done` runs there too.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace osier::net {

class HostLookups {
 public:
  static constexpr std::size_t kMaxThreads = 8;

  using Endpoints = std::vector<asio::ip::tcp::endpoint>;
  using Done = std::function<void(const std::error_code&, Endpoints)>;
  // The lookup itself, blocking (tests replace it); the default asks getaddrinfo.
  using Resolve =
      std::function<std::error_code(const std::string& host, std::uint16_t port, Endpoints& out)>;

  explicit HostLookups(asio::io_context& io, Resolve resolve = {});
  ~HostLookups();
  HostLookups(const HostLookups&) = delete;
  HostLookups& operator=(const HostLookups&) = delete;

  // Looks `host` up; `done` gets the addresses in the resolver's order, or an error (none found:
  // host_not_found).
  void lookup(std::string host, std::uint16_t port, Done done);
  // The same, skipped (`done` not run) once `wanted` has expired.
  void lookup(std::string host, std::uint16_t port, Done done, std::weak_ptr<const void> wanted);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace osier::net
