// One study file from a sweep that split a study into runs (by `only`, `seeds`, ...): the tables of
// every run's out.h5 (/summary, /oracle, /fits, …) concatenated in run order, each row tagged with
// its run_id, so the plot and report scripts read it like a single run's output. By default only a
// sweep whose runs are all complete is gathered: a study file silently missing rows would read as a
// result. A partial gather (a look at a days-long sweep midway) takes the complete runs and says so
// in the file: the root attribute runs_missing > 0 and /config's missing_runs.
#pragma once
#include <map>
#include <string>

namespace fm::sweep {

struct GatherResult {
  int runs = 0;     // gathered
  int missing = 0;  // not complete, left out (partial gathers only)
  std::map<std::string, std::size_t> rows;  // table name → rows gathered
};

// Writes `out` atomically: the tables, /config (the program, the swept keys, each run's id and
// overrides, and the shared part of the run configs) and root attributes, among them wall_time_s,
// the sum of the gathered runs' wall times, runs (gathered) and runs_missing. Pending or failed runs
// are a runtime error naming the count and the first such run, unless `partial`, which leaves them
// out and fails only when no run is complete; a run output that is not a table study (e.g.
// fm-kl-study's groups) is a usage error.
GatherResult gather(const std::string& dir, const std::string& out, bool partial = false);

}  // namespace fm::sweep
