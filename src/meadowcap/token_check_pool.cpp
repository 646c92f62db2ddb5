#include "meadowcap/token_check_pool.hpp"

#include <system_error>

#include "crypto/sodium.hpp"

namespace osier::meadowcap {

namespace {
constexpr std::size_t kMinThreadedBatch = 32;
}  // namespace

TokenCheckPool::~TokenCheckPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void TokenCheckPool::start(std::vector<Item> batch) {
  // A small batch (a short drop's last) is not worth starting threads for: wait() checks it.
  if (workers_.empty() && threads_ > 0 && batch.size() >= kMinThreadedBatch) {
    // libsodium's one-time initialisation, before any worker verifies.
    crypto::ensure_sodium();
    workers_.reserve(threads_);
    for (unsigned i = 0; i < threads_; ++i) {
      // A thread that cannot be started (resources exhausted) only means less help: wait()
      // checks whatever no worker takes. std::thread reports that by throwing; nothing else
      // here does.
      try {
        workers_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        break;
      }
    }
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [this] { return busy_ == 0; });
    items_ = std::move(batch);
    results_.assign(items_.size(), Status::ok());
    next_.store(0);
    ++generation_;
  }
  work_cv_.notify_all();
}

std::optional<TokenCheckPool::Failure> TokenCheckPool::wait() {
  drain(caller_verified_);
  std::unique_lock<std::mutex> lock(mu_);
  // Every item is claimed; the workers still busy finish theirs.
  idle_cv_.wait(lock, [this] { return busy_ == 0; });
  for (std::size_t i = 0; i < results_.size(); ++i) {
    if (!results_[i].is_ok()) return Failure{i, results_[i]};
  }
  return std::nullopt;
}

void TokenCheckPool::work() {
  VerifiedCapabilities verified(limits_);  // this thread's
  std::uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    ++busy_;
    lock.unlock();
    drain(verified);
    lock.lock();
    if (--busy_ == 0) idle_cv_.notify_all();
  }
}

void TokenCheckPool::drain(VerifiedCapabilities& verified) {
  for (;;) {
    const std::size_t i = next_.fetch_add(1);
    if (i >= items_.size()) return;
    // spec: meadowcap#meadowcap_is_authorised_write
    results_[i] =
        meadowcap::meadowcap_check_authorised_write(items_[i].entry, items_[i].token, verified);
  }
}

}  // namespace osier::meadowcap
