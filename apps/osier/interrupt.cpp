#include "interrupt.hpp"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace osier::cli {
namespace {

constexpr int kSlots = 4;
constexpr int kPaths = 4;

struct Slot {
  std::atomic<bool> used{false};
  char files[kPaths][PATH_MAX];
  char dirs[kPaths][PATH_MAX];
};
Slot g_slots[kSlots];
std::atomic<bool> g_installed{false};

extern "C" void remove_and_reraise(int sig) {
  for (Slot& s : g_slots) {
    if (!s.used.load()) continue;
    for (auto& f : s.files) {
      if (f[0] != '\0') ::unlink(f);
    }
    for (auto& d : s.dirs) {
      if (d[0] != '\0') ::rmdir(d);
    }
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void copy_paths(char (&out)[kPaths][PATH_MAX], const std::vector<std::string>& in) {
  for (int i = 0; i < kPaths; ++i) {
    out[i][0] = '\0';
    if (static_cast<std::size_t>(i) < in.size() && in[i].size() < PATH_MAX) {
      std::memcpy(out[i], in[i].c_str(), in[i].size() + 1);
    }
  }
}

}  // namespace

RemoveOnSignal::RemoveOnSignal(std::vector<std::string> files, std::vector<std::string> dirs) {
  if (!g_installed.exchange(true)) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction sa {};
      sa.sa_handler = remove_and_reraise;
      sigemptyset(&sa.sa_mask);
      // A signal ignored at start (nohup, a background job) stays ignored.
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
      ::sigaction(sig, &sa, nullptr);
    }
  }
  for (int i = 0; i < kSlots; ++i) {
    if (g_slots[i].used.load()) continue;
    copy_paths(g_slots[i].files, files);
    copy_paths(g_slots[i].dirs, dirs);
    g_slots[i].used.store(true);
    slot_ = i;
    return;
  }
}

RemoveOnSignal::~RemoveOnSignal() {
  if (slot_ >= 0) g_slots[slot_].used.store(false);
}

}  // namespace osier::cli
