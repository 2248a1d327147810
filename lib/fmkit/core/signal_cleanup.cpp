#include "fmkit/core/signal_cleanup.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>

namespace fm {
namespace {

constexpr int kSlots = 256;
constexpr std::size_t kPathMax = 4096;
enum State : int { kFree = 0, kWriting = 1, kFile = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  char path[kPathMax];
};
Slot g_slots[kSlots];

extern "C" void on_stop_signal(int sig) {
  for (Slot& s : g_slots)
    if (s.state.load() == kFile) ::unlink(s.path);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = on_stop_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace

int remove_on_signal(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  install_once();
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kWriting)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(kFile);
    return i;
  }
  return -1;
}

void forget_on_signal(int handle) {
  if (handle >= 0 && handle < kSlots) g_slots[handle].state.store(kFree);
}

}  // namespace fm
