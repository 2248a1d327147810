// Running a prepared sweep's runs as separate processes, each with a fixed thread count (`--threads N`,
// 1 unless the user asks for more):
// complete runs are skipped, an fm-train or fm-tv-study run that left a checkpoint is resumed, a run that failed
// at run time (exit 1 or a signal) is retried once — a usage error (exit 2) is not, it would fail
// the same way — and every outcome is recorded in the run's status.json.
#pragma once
#include <signal.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "fmkit/sweep/sweep_dir.hpp"

namespace fm::sweep {

// The directory of the fm-* programs: the one fm-sweep itself runs from.
std::string program_dir();

// Checks every run's config against its program's schema (`--dump-config`) before anything runs:
// a misspelt key or a wrong type is a usage error naming the run, not N failed runs.
void validate_configs(const std::string& dir, const std::string& bin_dir);

// The thread count every run's program gets: 1 ≤ n ≤ fm::max_threads(), else a usage error naming
// `flag`. It is fixed for the whole sweep rather than handed out as cores fall idle, because a
// program's results may depend on its thread count: a run's result must not depend on when it ran.
void check_run_threads(int n, const std::string& flag);

// Runs one run of a prepared sweep directory whose manifest is `m` (read once by the caller, not
// per run), under the run's lock, its program given `--threads threads`. `skipped` tells whether it was already complete; a run whose
// lock another process holds is not touched and comes back with status "running".
RunStatus run_one(const std::string& dir, const Manifest& m, const std::string& id, const std::string& bin_dir,
                  int threads, bool* skipped = nullptr);

struct LocalResult {
  int complete = 0, failed = 0, skipped = 0, pending = 0;
  int held = 0;              // being run by another fm-sweep (its lock is held): left to it
  bool interrupted = false;  // SIGINT/SIGTERM/SIGHUP: running children were stopped, the rest left pending
  bool drained = false;      // SIGUSR1 (and no stop) left runs pending: the running children finished, none started
};

// While alive, SIGINT, SIGTERM and SIGHUP stop the sweep: every running child gets SIGTERM (so it
// deletes its partial output, or leaves its last checkpoint) and no new run starts. SIGUSR1 drains
// it: no new run starts and the running children finish. run_local holds one; `fm-sweep run-one`
// holds one around run_one.
class StopGuard {
 public:
  StopGuard();
  ~StopGuard();
  StopGuard(const StopGuard&) = delete;
  StopGuard& operator=(const StopGuard&) = delete;
  bool stopped() const;
  bool drained() const;  // SIGUSR1 came

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_hup_ {}, old_usr1_ {};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

// Runs every run of the directory with `jobs` at a time, each with `threads` threads. `on_done` is called after each run it ran,
// not for the complete ones it skipped.
LocalResult run_local(const std::string& dir, int jobs, int threads, const std::string& bin_dir,
                      const std::function<void(const std::string& id, const RunStatus&)>& on_done = {});

}  // namespace fm::sweep
