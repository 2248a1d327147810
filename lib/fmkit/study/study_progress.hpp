// How a study tells its caller what it is doing: its size once, then what runs before each unit of
// work (a training, a case, a stage) and when that unit is done. The program shell passes one that
// draws the study's bar (core/progress), so the trainings' own bars show inside it with the
// dataset, coupling and seed that runs; a library caller that wants no display passes a silent one.
// Units that run at once (for_each_unit) may call running() and done() from their threads.
#pragma once
#include <memory>
#include <mutex>
#include <string>

namespace fm {
class Progress;
}

namespace fm::study {

class StudyProgress {
 public:
  explicit StudyProgress(bool shown = true);
  ~StudyProgress();
  StudyProgress(const StudyProgress&) = delete;
  StudyProgress& operator=(const StudyProgress&) = delete;

  // Opens the bar: `label` (e.g. "SD-FM study") and the number of units the run will do. Units of
  // unequal cost pass `total_work` > 0, and each done() its unit's share of it: the bar's
  // percentage and eta then follow the work, its counts the units.
  void start(const std::string& label, long total, double total_work = 0);
  // The unit about to run; the bars nested in it show this as their context.
  void running(const std::string& what);
  // The unit just finished: counted (with its `work`, when start() was given a total work), and
  // shown as "<what> done".
  void done(const std::string& what, double work = 0);
  // Closes the bar with its closing line (the study ran to its end).
  void finish();

 private:
  void update(const std::string& extra);  // with lock_ held

  bool shown_;
  std::mutex lock_;
  long done_ = 0;
  double total_work_ = 0, work_done_ = 0;  // total_work_ 0: the units are counted, not weighed
  std::unique_ptr<Progress> bar_;
};

}  // namespace fm::study
