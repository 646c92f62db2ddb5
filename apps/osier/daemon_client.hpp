// The CLI's side of the daemon's control API (docs/control-api.md): one request, one JSON
// response, through net::control_request on HOME/daemon.sock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "osier/base/status.hpp"
#include "osier/json/model.hpp"
#include "osier/model/entry.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::cli {

// The response object of `request` ({"ok":true,...}); an {"ok":false} answer is kIo with its
// message and code. kNotFound only when no daemon runs on the home.
Result<json::Json> daemon_request(const node::HomePaths& home, const json::Json& request,
                                  std::chrono::milliseconds timeout);

// Asks the daemon to fetch `entry`'s payload from a connected peer and waits until it is stored
// whole (or `timeout`). kNotFound when no daemon runs.
Status fetch_through_daemon(const node::HomePaths& home, const model::Entry& entry,
                            std::chrono::milliseconds timeout);

// `osier get`'s fetch of a payload the store lacks: fetch_through_daemon on a thread of its own
// (the daemon answers when the payload is whole), and the waits that let the caller stream the
// bytes as the daemon stores them. The caller's thread reads the store; this only waits.
// Gives up when no new byte arrives for kStall. Destroyed before the daemon answered, the
// thread is left to finish on its own (its state is shared, nothing of the caller's is used).
class DaemonFetch {
 public:
  static constexpr std::chrono::seconds kStall{120};
  // Counts the verified bytes the store holds now.
  using Held = std::function<Result<std::uint64_t>()>;

  DaemonFetch(const node::HomePaths& home, const model::Entry& entry);
  ~DaemonFetch();
  DaemonFetch(const DaemonFetch&) = delete;
  DaemonFetch& operator=(const DaemonFetch&) = delete;

  // Waits until the daemon shows it is fetching: the store holds more than `held` bytes, or the
  // daemon answered. The daemon's refusal (or a stall) is the error; no daemon is ok (the read
  // then says what is missing).
  Status wait_until_under_way(const Held& held_now, std::uint64_t held);
  // Node::read's wait_for_more: waits a little for the store to gain bytes beyond `held`;
  // false when the daemon failed, finished (after one more look), or stalled.
  bool wait_for_more(std::uint64_t held);
  // The daemon's refusal or failure, or the stall; ok otherwise (no daemon included).
  Status failure() const;
  // Whether bytes may still come: the daemon is fetching, or has answered that it did. False
  // when no daemon runs (then nothing should stream before the read fails).
  bool under_way() const;

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable answered;
    bool done = false;  // guarded by mutex
    Status status;      // guarded by mutex: fetch_through_daemon's result
  };
  // Waits for the answer up to `d`; true when it came.
  bool wait_answer(std::chrono::milliseconds d);
  void note_progress(std::uint64_t held);
  // True (and stalled_ set) when no new byte came for kStall.
  bool stalled();

  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  std::uint64_t last_held_ = 0;
  std::chrono::steady_clock::time_point last_progress_;
  bool looked_after_answer_ = false;
  Status stalled_;
};

}  // namespace osier::cli
