// Helpers shared by the net tests: a server running on its own thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "net/server.hpp"

namespace osier::net::testing {

// A server on its own thread; reports collected under a lock.
class RunningServer {
 public:
  RunningServer(const crypto::Ed25519SecretKey& key, ServerOptions o) {
    o.listen = Endpoint{"127.0.0.1", 0};
    o.on_report = [this](const ConnectionReport& r) {
      const std::lock_guard<std::mutex> lock(mu_);
      reports_.push_back(r);
      cv_.notify_all();
    };
    auto s = Server::listen(key, std::move(o));
    EXPECT_TRUE(s.is_ok()) << (s ? "" : s.status().to_string());
    if (!s) return;
    server_ = std::move(*s);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningServer() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  Endpoint endpoint() const { return Endpoint{"127.0.0.1", server_->port()}; }
  Server& server() { return *server_; }
  // Waits until `n` reports arrived; returns a copy of them.
  std::vector<ConnectionReport> wait_reports(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return reports_.size() >= n; });
    return reports_;
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ConnectionReport> reports_;  // guarded by mu_
};

}  // namespace osier::net::testing
