// Checks entries' authorisation tokens (meadowcap_is_authorised_write: Ed25519 signatures) on a
// few threads of its own while the drop reader goes on decoding. One batch at a time; the
// pool belongs to one import and holds no global state. Each thread checking (the workers, and
// the caller of wait()) remembers the capabilities it proved valid (VerifiedCapabilities, with
// the pool's limits): a drop's entries mostly share a few capabilities, and a hostile drop that
// reuses a capability of 10,000 delegations (about 105 bytes an entry) must not cost 10,000
// signature checks per entry.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "meadowcap/verified_capabilities.hpp"
#include "osier/base/status.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/model/entry.hpp"

namespace osier::meadowcap {

class TokenCheckPool {
 public:
  struct Item {
    model::Entry entry;
    meadowcap::MeadowcapAuthorisationToken token;
  };
  struct Failure {
    std::size_t index;  // in the batch
    Status status;
  };

  // `threads` workers, started with the first batch of some size; the caller of wait() helps
  // them (and checks alone while there are none).
  explicit TokenCheckPool(unsigned threads, VerifiedCapabilities::Limits limits = {})
      : threads_(threads), limits_(limits), caller_verified_(limits) {}
  ~TokenCheckPool();
  TokenCheckPool(const TokenCheckPool&) = delete;
  TokenCheckPool& operator=(const TokenCheckPool&) = delete;

  // Starts checking `batch`; the previous batch must have been waited for.
  void start(std::vector<Item> batch);
  // Waits until the batch is checked; the first item (in batch order) whose token fails, if any.
  std::optional<Failure> wait();

 private:
  void work();
  void drain(VerifiedCapabilities& verified);

  const unsigned threads_;
  const VerifiedCapabilities::Limits limits_;
  VerifiedCapabilities caller_verified_;  // wait()'s
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  bool stop_ = false;
  std::uint64_t generation_ = 0;
  unsigned busy_ = 0;  // workers inside drain()
  // Written only while no worker is busy (under mu_); read by busy workers.
  std::vector<Item> items_;
  std::vector<Status> results_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace osier::meadowcap
