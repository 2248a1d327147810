#include "fmkit/core/signal_cleanup.hpp"

#include <unistd.h>

#include <algorithm>
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

// The stop message (write and access are async-signal-safe; the texts are copied in beforehand).
constexpr std::size_t kMessageMax = 4096;
struct Message {
  std::atomic<int> state{kFree};
  char path[kPathMax];
  char if_exists[kMessageMax];
  char otherwise[kMessageMax];
};
Message g_message;

void write_all(const char* text) {
  std::size_t n = std::strlen(text);
  while (n > 0) {
    const ssize_t w = ::write(2, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<std::size_t>(w);
  }
}

extern "C" void on_stop_signal(int sig) {
  for (Slot& s : g_slots)
    if (s.state.load() == kFile) ::unlink(s.path);
  if (g_message.state.load() == kFile)
    write_all(::access(g_message.path, F_OK) == 0 ? g_message.if_exists : g_message.otherwise);
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

void set_stop_message(const std::string& path, const std::string& if_exists, const std::string& otherwise) {
  if (path.size() >= kPathMax) return;
  install_once();
  g_message.state.store(kWriting);
  auto copy = [](char* dst, const std::string& src) {
    const std::size_t n = std::min(src.size(), kMessageMax - 1);
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
  };
  copy(g_message.path, path);
  copy(g_message.if_exists, if_exists);
  copy(g_message.otherwise, otherwise);
  g_message.state.store(kFile);
}

void forget_on_signal(int handle) {
  if (handle >= 0 && handle < kSlots) g_slots[handle].state.store(kFree);
}

}  // namespace fm
