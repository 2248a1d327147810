#include "fmkit/core/progress.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace fm {
namespace {
// Bars alive on a terminal. Tasks nest (a study's bar, its training's, the SD precompute's):
// only the outermost leaves a closing line, so a study of 123 trainings ends on one line, not 123.
std::atomic<int> g_open_bars{0};
}  // namespace

Progress::Progress(std::string label, long total)
    : label_(std::move(label)), total_(total > 0 ? total : 1),
      start_(std::chrono::steady_clock::now()), last_(start_) {
  const char* env = std::getenv("FMKIT_PROGRESS");
  // Anything but a number is ignored: a progress display never stops a run.
  char* end = nullptr;
  const double seconds = env ? std::strtod(env, &end) : -1.0;
  const bool parsed = env && end != env && *end == '\0';
  const bool enabled = !(parsed && seconds == 0);
  if (parsed && seconds > 0) log_interval_ = std::chrono::duration<double>(seconds);
  const bool tty = isatty(STDERR_FILENO);
  active_ = enabled && tty;
  logging_ = enabled && !tty;
  if (active_) ++g_open_bars;
}

Progress::~Progress() {
  if (std::uncaught_exceptions() > 0) abandon();
  else finish();
}

bool Progress::due(long done) const {
  if (finished_ || !(active_ || logging_)) return false;
  const auto since = std::chrono::steady_clock::now() - last_;
  if (logging_) return since >= log_interval_;
  return done >= total_ || since >= std::chrono::milliseconds(100);
}

void Progress::update(long done, const std::string& extra) {
  if (!due(done)) return;
  const auto now = std::chrono::steady_clock::now();
  last_ = now;
  const double frac = static_cast<double>(done) / static_cast<double>(total_);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  if (logging_) {
    logged_ = true;
    std::fprintf(stderr, "%s: %ld/%ld (%.0f%%) after %.0f s, eta %.0f s%s%s\n", label_.c_str(), done, total_,
                 100.0 * frac, elapsed, eta, extra.empty() ? "" : " ", extra.c_str());
    std::fflush(stderr);
    return;
  }
  constexpr int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %ld/%ld %3.0f%% %.0fs eta %.0fs %s\033[K", label_.c_str(),
               bar.c_str(), done, total_, 100.0 * frac, elapsed, eta, extra.c_str());
  std::fflush(stderr);
}

void Progress::abandon() {
  if (finished_) return;
  finished_ = true;
  // Cleared, so the error or interruption message that follows starts its own line.
  if (active_) {
    --g_open_bars;
    std::fprintf(stderr, "\r\033[K");
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (active_) {
    // The outermost bar is replaced by a closing line (what ran, how much, how long); an inner one
    // is cleared for its parent to redraw.
    const bool outermost = --g_open_bars == 0;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (outermost) std::fprintf(stderr, "\r%s: %ld done in %.1f s\033[K\n", label_.c_str(), total_, elapsed);
    else std::fprintf(stderr, "\r\033[K");
  } else if (logged_) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "%s: finished after %.0f s\n", label_.c_str(), elapsed);
  }
  std::fflush(stderr);
}

}  // namespace fm
