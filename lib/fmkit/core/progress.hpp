// Progress on stderr: a bar redrawn at most ten times a second when stderr is a terminal; in a
// log (a sweep run's stderr.log, a Slurm output file) one plain line every five minutes, so a
// day-long run can be followed with tail without flooding the log; a task that logged at least one
// line also logs when it finishes, so a log shows where each stage ended. On a terminal the
// outermost bar (tasks nest) is replaced at the end by one closing line: what ran, how much, how
// long. FMKIT_PROGRESS=0 silences both;
// FMKIT_PROGRESS=S (seconds > 0) sets the interval of the log lines.
#pragma once
#include <chrono>
#include <string>

namespace fm {

class Progress {
 public:
  Progress(std::string label, long total);
  ~Progress();
  void update(long done, const std::string& extra = "");
  // Whether update(done) would print now: lets a hot loop skip formatting its `extra` text.
  bool due(long done) const;
  // Ends the display with the closing line (a terminal's outermost bar, or a log that logged);
  // an inner bar is cleared for its parent to redraw.
  void finish();
  // Clears the bar without the closing line: the task stopped before its end (interrupted, or an
  // error). The destructor abandons when unwinding from an error and finishes otherwise.
  void abandon();
  bool active() const { return active_ || logging_; }  // reports anything at all

 private:
  std::string label_;
  long total_;
  bool active_;   // a terminal: the redrawn bar
  bool logging_;  // not a terminal: periodic lines
  bool finished_ = false;
  bool logged_ = false;  // a periodic line was written
  std::chrono::duration<double> log_interval_{300.0};
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace fm
