#include "daemon_client.hpp"

#include "osier/base/hex.hpp"
#include "osier/net/control.hpp"

namespace osier::cli {

using json::Json;

Result<Json> daemon_request(const node::HomePaths& home, const Json& request,
                            std::chrono::milliseconds timeout) {
  OSIER_ASSIGN_OR_RETURN(const std::string line,
                         net::control_request(home.control_socket(), request.dump(), timeout));
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
    return error(ErrorCode::kCorrupt, "the daemon's answer is not a response: " + line);
  }
  if (!j["ok"].get<bool>()) {
    const Json& e = j.value("error", Json::object());
    const std::string code = e.value("code", std::string("failed"));
    const std::string message = e.value("message", std::string("(no message)"));
    // kNotFound stays "no daemon runs" (net::control_request): an answered error is kIo.
    return error(ErrorCode::kIo, "the daemon: " + message + " (" + code + ")");
  }
  return j;
}

Status fetch_through_daemon(const node::HomePaths& home, const model::Entry& entry,
                            std::chrono::milliseconds timeout) {
  const Json request{{"op", "fetch"},
                     {"namespace", to_hex(entry.namespace_id)},
                     {"subspace", to_hex(entry.subspace_id)},
                     {"path", json::to_json(entry.path)}};
  Result<Json> r = daemon_request(home, request, timeout);
  return r ? Status::ok() : r.status();
}

namespace {
// How often a waiting `osier get` looks at the store for new verified bytes.
constexpr std::chrono::milliseconds kLook{20};
// The daemon answers a fetch when the payload is whole: as long as it takes (stalls are
// noticed by the waiting side).
constexpr std::chrono::hours kFetchAnswer{24};
}  // namespace

DaemonFetch::DaemonFetch(const node::HomePaths& home, const model::Entry& entry)
    : shared_(std::make_shared<Shared>()), last_progress_(std::chrono::steady_clock::now()) {
  thread_ = std::thread([shared = shared_, home, entry] {
    Status st = fetch_through_daemon(home, entry, kFetchAnswer);
    const std::lock_guard lock(shared->mutex);
    shared->done = true;
    shared->status = std::move(st);
    shared->answered.notify_all();
  });
}

DaemonFetch::~DaemonFetch() {
  bool done = false;
  {
    const std::lock_guard lock(shared_->mutex);
    done = shared_->done;
  }
  if (done) {
    thread_.join();
  } else {
    thread_.detach();
  }
}

bool DaemonFetch::wait_answer(std::chrono::milliseconds d) {
  std::unique_lock lock(shared_->mutex);
  return shared_->answered.wait_for(lock, d, [&] { return shared_->done; });
}

void DaemonFetch::note_progress(std::uint64_t held) {
  if (held > last_held_) {
    last_held_ = held;
    last_progress_ = std::chrono::steady_clock::now();
  }
}

bool DaemonFetch::stalled() {
  if (std::chrono::steady_clock::now() - last_progress_ <= kStall) return false;
  stalled_ = error(ErrorCode::kIo, "no new payload bytes from the daemon in " +
                                       std::to_string(kStall.count()) + " s");
  return true;
}

Status DaemonFetch::failure() const {
  if (!stalled_) return stalled_;
  const std::lock_guard lock(shared_->mutex);
  // kNotFound: no daemon runs (or the socket cannot exist): not a failure of the fetch.
  if (!shared_->done || shared_->status || shared_->status.code() == ErrorCode::kNotFound ||
      shared_->status.code() == ErrorCode::kInvalidArgument) {
    return Status::ok();
  }
  return shared_->status;
}

bool DaemonFetch::under_way() const {
  if (!stalled_) return false;
  const std::lock_guard lock(shared_->mutex);
  return !shared_->done || shared_->status.is_ok();
}

Status DaemonFetch::wait_until_under_way(const Held& held_now, std::uint64_t held) {
  last_held_ = held;
  for (;;) {
    if (wait_answer(kLook)) return failure();
    OSIER_ASSIGN_OR_RETURN(const std::uint64_t now, held_now());
    if (now > held) return Status::ok();
    if (stalled()) return stalled_;
  }
}

bool DaemonFetch::wait_for_more(std::uint64_t held) {
  note_progress(held);
  if (wait_answer(kLook)) {
    // Answered: whole (one more look reads the rest), or failed.
    if (!failure() || looked_after_answer_) return false;
    looked_after_answer_ = true;
    return true;
  }
  return !stalled();
}

}  // namespace osier::cli
