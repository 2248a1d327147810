#include "fmkit/core/progress.hpp"

#include <omp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <vector>

namespace fm {

// The tasks open now, outermost first. Bars are made and updated from OpenMP regions too (a
// chunked solve updates under a critical section), so the stack and every write sit behind a lock.
struct ProgressStack {
  std::mutex lock;
  std::vector<const Progress*> open;
  // "outer 3/40 what › inner 2/7 what › " for the tasks around `p`.
  std::string prefix(const Progress* p) const {
    std::string s;
    for (const Progress* q : open) {
      if (q == p) break;
      s += q->context() + " > ";
    }
    return s;
  }
};

namespace {

ProgressStack& stack() {
  static ProgressStack s;
  return s;
}

// Code points in a UTF-8 string (the bar's text has en dashes and Greek letters).
std::size_t width_of(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// The last `w` code points of s, after a "..." when it was cut.
std::string keep_tail(const std::string& s, std::size_t w) {
  if (width_of(s) <= w) return s;
  if (w <= 3) return "";
  std::size_t drop = width_of(s) - (w - 3), i = 0;
  while (i < s.size() && drop > 0) {
    ++i;
    while (i < s.size() && (s[i] & 0xC0) == 0x80) ++i;
    --drop;
  }
  return "..." + s.substr(i);
}

std::size_t terminal_width() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 100;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Progress::Progress(std::string label, long total)
    : label_(std::move(label)), total_(total > 0 ? total : 1),
      start_(std::chrono::steady_clock::now()), last_(start_) {
  const char* env = std::getenv("FMKIT_PROGRESS");
  // Anything but a number is ignored: a progress display never stops a run.
  char* end = nullptr;
  const double seconds = env ? std::strtod(env, &end) : -1.0;
  const bool parsed = env && end != env && *end == '\0';
  // A task started inside a parallel region (one of several units running at once, for_each_unit)
  // shows nothing: concurrent bars cannot nest on one line; the caller's bar counts the units.
  const bool enabled = !(parsed && seconds == 0) && !label_.empty() && !omp_in_parallel();
  if (parsed && seconds > 0) log_interval_ = std::chrono::duration<double>(seconds);
  const bool tty = isatty(STDERR_FILENO);
  active_ = enabled && tty;
  logging_ = enabled && !tty;
  if (!active()) return;
  ProgressStack& s = stack();
  std::lock_guard<std::mutex> g(s.lock);
  depth_ = s.open.size();
  s.open.push_back(this);
  if (logging_ && depth_ == 0) {
    std::fprintf(stderr, "%s: started (%ld to do)\n", label_.c_str(), total_);
    std::fflush(stderr);
  }
}

Progress::~Progress() {
  if (std::uncaught_exceptions() > 0) abandon();
  else finish();
}

std::string Progress::context() const {
  std::string s = label_ + " " + std::to_string(done_) + "/" + std::to_string(total_);
  return extra_.empty() ? s : s + " " + extra_;
}

bool Progress::due(long done) const {
  if (finished_ || !(active_ || logging_)) return false;
  const auto since = std::chrono::steady_clock::now() - last_;
  if (logging_) return since >= log_interval_;
  return done >= total_ || since >= std::chrono::milliseconds(100);
}

void Progress::update(long done, const std::string& extra) {
  update(done, extra, static_cast<double>(done) / static_cast<double>(total_));
}

void Progress::update(long done, const std::string& extra, double work_fraction) {
  if (finished_ || !active()) return;
  ProgressStack& s = stack();
  std::lock_guard<std::mutex> g(s.lock);
  done_ = done;
  extra_ = extra;
  if (!due(done)) return;
  const auto now = std::chrono::steady_clock::now();
  last_ = now;
  const double frac = std::clamp(work_fraction, 0.0, 1.0);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  const std::string prefix = s.prefix(this);
  if (logging_) {
    logged_ = true;
    std::fprintf(stderr, "%s%s: %ld/%ld (%.0f%%) after %.0f s, eta %.0f s%s%s\n", prefix.c_str(), label_.c_str(), done,
                 total_, 100.0 * frac, elapsed, eta, extra.empty() ? "" : " ", extra.c_str());
    std::fflush(stderr);
    return;
  }
  const int width = prefix.empty() ? 30 : 15;  // a nested bar leaves room for its parents
  const int filled = std::clamp(static_cast<int>(frac * width), 0, width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  char own[512];
  std::snprintf(own, sizeof own, "%s [%s] %ld/%ld %3.0f%% %.0fs eta %.0fs %s", label_.c_str(), bar.c_str(), done,
                total_, 100.0 * frac, elapsed, eta, extra.c_str());
  // One line, never wrapped (a wrapped line cannot be redrawn with \r): the task's own part first,
  // its parents cut from the left when the terminal is narrow.
  const std::size_t cols = terminal_width() - 1;
  std::string line = std::string(own);
  if (width_of(line) < cols) line = keep_tail(prefix, cols - width_of(line)) + line;
  else line = keep_tail(line, cols);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
}

void Progress::close() {
  ProgressStack& s = stack();
  auto it = std::find(s.open.begin(), s.open.end(), this);
  if (it != s.open.end()) s.open.erase(it);
}

void Progress::abandon() {
  if (finished_) return;
  finished_ = true;
  if (!active()) return;
  ProgressStack& s = stack();
  std::lock_guard<std::mutex> g(s.lock);
  close();
  // Cleared, so the error or interruption message that follows starts its own line.
  if (active_) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!active()) return;
  ProgressStack& s = stack();
  std::lock_guard<std::mutex> g(s.lock);
  const double elapsed = seconds_since(start_);
  if (active_) {
    // The outermost bar is replaced by a closing line (what ran, how much, how long); an inner one
    // is cleared for its parent to redraw.
    if (depth_ == 0) std::fprintf(stderr, "\r%s: %ld done in %.1f s\033[K\n", label_.c_str(), total_, elapsed);
    else std::fprintf(stderr, "\r\033[K");
  } else if (depth_ == 0 || logged_ || (depth_ == 1 && elapsed >= std::min(5.0, log_interval_.count()))) {
    // In a log: the outer task always says where it ended, and so does a stage (one level in) that
    // took a while; deeper tasks only when they logged, so a study's thousand short inner solves do
    // not flood it.
    const std::string prefix = s.prefix(this);
    std::fprintf(stderr, "%s%s: finished after %.0f s\n", prefix.c_str(), label_.c_str(), elapsed);
  }
  close();
  std::fflush(stderr);
}

}  // namespace fm
