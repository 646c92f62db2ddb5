#include "net/host_lookup.hpp"

#include <asio/post.hpp>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace osier::net {
namespace {

std::error_code getaddrinfo_lookup(const std::string& host, std::uint16_t port,
                                   HostLookups::Endpoints& out) {
  // A resolver of its own, never run: its synchronous resolve calls getaddrinfo on this thread.
  asio::io_context local(1);
  asio::ip::tcp::resolver resolver(local);
  asio::error_code ec;
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return ec;
  for (const auto& r : results) out.push_back(r.endpoint());
  return {};
}

}  // namespace

struct HostLookups::State {
  struct Job {
    std::string host;
    std::uint16_t port = 0;
    Done done;
    std::weak_ptr<const void> wanted;
    bool abandoned() const { return wanted.expired(); }
  };
  std::mutex mutex;
  asio::io_context* io = nullptr;  // guarded by mutex; null once the HostLookups is gone
  Resolve resolve;                 // set before any thread starts, then only read
  std::deque<Job> queue;           // guarded by mutex
  std::size_t threads = 0;         // guarded by mutex: running

  // One thread's life: lookups from the queue until it is empty.
  static void work(const std::shared_ptr<State>& self) {
    for (;;) {
      Job job;
      {
        std::lock_guard lock(self->mutex);
        if (self->queue.empty() || self->io == nullptr) {
          --self->threads;
          return;
        }
        job = std::move(self->queue.front());
        self->queue.pop_front();
        if (job.abandoned()) {
          // Its callback (and what it holds) goes back to the io_context's thread to die there.
          asio::post(*self->io, [done = std::move(job.done)] {});
          continue;
        }
      }
      Endpoints found;
      std::error_code ec = self->resolve(job.host, job.port, found);
      if (!ec && found.empty()) ec = asio::error::host_not_found;
      std::lock_guard lock(self->mutex);
      if (self->io == nullptr) {
        --self->threads;
        return;
      }
      if (job.abandoned()) {
        asio::post(*self->io, [done = std::move(job.done)] {});
        continue;
      }
      asio::post(*self->io, [done = std::move(job.done), ec, found = std::move(found)]() mutable {
        done(ec, std::move(found));
      });
    }
  }
};

HostLookups::HostLookups(asio::io_context& io, Resolve resolve)
    : state_(std::make_shared<State>()) {
  state_->io = &io;
  state_->resolve = resolve ? std::move(resolve) : Resolve(getaddrinfo_lookup);
}

HostLookups::~HostLookups() {
  std::lock_guard lock(state_->mutex);
  state_->io = nullptr;
  state_->queue.clear();
}

void HostLookups::lookup(std::string host, std::uint16_t port, Done done) {
  // Wanted for as long as the process lives.
  static const auto always = std::make_shared<const bool>(true);
  lookup(std::move(host), port, std::move(done), always);
}

void HostLookups::lookup(std::string host, std::uint16_t port, Done done,
                         std::weak_ptr<const void> wanted) {
  State::Job job{std::move(host), port, std::move(done), std::move(wanted)};
  std::lock_guard lock(state_->mutex);
  state_->queue.push_back(std::move(job));
  if (state_->threads >= kMaxThreads) return;  // a running thread takes it next
  ++state_->threads;
  std::thread([s = state_] { State::work(s); }).detach();
}

}  // namespace osier::net
