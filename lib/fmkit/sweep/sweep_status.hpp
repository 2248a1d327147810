// Where a sweep directory stands, read-only (nothing is written, so it is safe beside a running
// `fm-sweep run` or a cluster array): how many runs are complete, failed, pending, and for each
// started-but-unfinished run its latest log line — a two-day sweep is watched with this.
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"

namespace fm::sweep {

struct RunReport {
  std::string id;
  cfg::json overrides;
  std::string status;  // complete | failed | running | resumable | interrupted | pending
  std::string detail;  // failed: the error; running, resumable, interrupted: the last line of stderr.log
};

struct SweepReport {
  std::string program;
  int complete = 0, failed = 0, running = 0, resumable = 0, interrupted = 0, pending = 0;
  double complete_wall_s = 0;                               // run time of the complete runs
  std::vector<RunReport> runs;                              // in runs.txt order
};

// Each run is complete, failed, running (a process holds its lock now), resumable (interrupted
// with a checkpoint in out.h5: it continues from there), interrupted (it left a log or a partial
// file but no checkpoint: it will be redone) or pending (never started).
SweepReport sweep_status(const std::string& dir);

// The human-readable report: one count line, then the failed and the started runs.
std::string format_status(const SweepReport& r, const std::string& dir);

}  // namespace fm::sweep
