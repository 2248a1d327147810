// Progress on stderr. Tasks nest (a study's bar, its training's, the SD precompute's), and an inner
// task is always shown inside its parents: "SD-FM study 3/40 moons sd seed 2 › train [###...] ...",
// so the line says which dataset, coupling and seed is running, not only how far the innermost loop is.
//   - On a terminal: one bar redrawn at most ten times a second, cut to the terminal's width. The
//     outermost bar is replaced at the end by one closing line (what ran, how much, how long); an
//     inner bar is cleared for its parent to redraw.
//   - In a log (a sweep run's stderr.log, a Slurm output file): plain lines, never redrawn. The
//     outermost task logs when it starts and when it ends; its stages (the tasks one level in) log
//     when they end if they took 5 s or more; every task logs a progress line per interval (60 s
//     by default), so a day-long run can be followed with tail without flooding the log.
// A task with an empty label, or started inside an OpenMP parallel region, shows nothing.
// FMKIT_PROGRESS=0 silences everything; FMKIT_PROGRESS=S (seconds > 0) sets the interval of the
// log lines (and, below 5 s, the stage threshold).
#pragma once
#include <chrono>
#include <string>

namespace fm {

class Progress {
 public:
  Progress(std::string label, long total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // Records how far the task is and what it is doing (`extra`, shown after the counts and as the
  // context of the tasks nested in it); redraws only when due.
  void update(long done, const std::string& extra = "");
  // The same for a task whose steps differ in cost (a study's units grow with n): `work_fraction`
  // (0 … 1) of its work is done. The counts stay those of the steps; the percentage and the eta
  // follow the work, so an eta made from the cheap first steps does not promise an early end.
  void update(long done, const std::string& extra, double work_fraction);
  // Whether update(done) would print now: lets a hot loop skip formatting its `extra` text.
  bool due(long done) const;
  // Ends the display with the closing line (a terminal's outermost bar, or a log's outer tasks);
  // an inner bar is cleared for its parent to redraw.
  void finish();
  // Clears the bar without the closing line: the task stopped before its end (interrupted, or an
  // error). The destructor abandons when unwinding from an error and finishes otherwise.
  void abandon();
  bool active() const { return active_ || logging_; }  // reports anything at all

 private:
  friend struct ProgressStack;
  std::string context() const;  // "label done/total extra": how a parent reads inside its children
  void close();                 // leaves the stack of open tasks

  std::string label_;
  long total_;
  long done_ = 0;
  std::string extra_;
  bool active_;   // a terminal: the redrawn bar
  bool logging_;  // not a terminal: plain lines
  std::size_t depth_ = 0;  // open tasks around this one
  bool finished_ = false;
  bool logged_ = false;  // a periodic line was written
  std::chrono::duration<double> log_interval_{60.0};
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace fm
