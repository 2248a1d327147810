// A progress bar on stderr, drawn only when stderr is a terminal (never in logs or pipes),
// redrawn at most ten times a second so it costs nothing in hot loops.
#pragma once
#include <chrono>
#include <string>

namespace fm {

class Progress {
 public:
  Progress(std::string label, long total);
  ~Progress();
  void update(long done, const std::string& extra = "");
  void finish();
  bool active() const { return active_; }

 private:
  std::string label_;
  long total_;
  bool active_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace fm
