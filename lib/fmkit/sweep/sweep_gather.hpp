// One study file from a sweep that split a study into runs (by `only`, `seeds`, ...): the tables of
// every run's out.h5 (/summary, /oracle, /fits, …) concatenated in run order, each row tagged with
// its run_id, so the plot and report scripts read it like a single run's output. Only a sweep whose
// runs are all complete is gathered: a study file silently missing rows would read as a result.
#pragma once
#include <map>
#include <string>

namespace fm::sweep {

struct GatherResult {
  int runs = 0;
  std::map<std::string, std::size_t> rows;  // table name → rows gathered
};

// Writes `out` atomically: the tables, /config (the program, the swept keys, each run's id and
// overrides, and the shared part of the run configs) and root attributes, among them wall_time_s,
// the sum of the runs' wall times. Pending or failed runs are a runtime error naming the count and
// the first such run; a run output that is not a table study (e.g. fm-kl-study's groups) is a
// usage error.
GatherResult gather(const std::string& dir, const std::string& out);

}  // namespace fm::sweep
