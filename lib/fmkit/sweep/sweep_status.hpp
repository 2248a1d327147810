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
  std::string status;  // complete | failed | started | pending
  std::string detail;  // failed: the error; started: the last line of stderr.log
};

struct SweepReport {
  std::string program;
  int complete = 0, failed = 0, started = 0, pending = 0;  // pending excludes started
  double complete_wall_s = 0;                               // run time of the complete runs
  std::vector<RunReport> runs;                              // in runs.txt order
};

// A pending run is "started" when it left output in progress (out.h5.tmp) or a log: it is
// running now, or was interrupted and will be redone.
SweepReport sweep_status(const std::string& dir);

// The human-readable report: one count line, then the failed and the started runs.
std::string format_status(const SweepReport& r, const std::string& dir);

}  // namespace fm::sweep
