// The merged result of a sweep directory: DIR/summary.h5 with one /summary row per run — its id,
// its axis values (one column per swept key), run_status (complete | failed | pending),
// run_exit_code, run_attempts, run_error, run_wall_s, and, for a complete run whose own /summary
// has one row (fm-train, fm-sample), that row's columns; a study's many-row table is counted in
// summary_rows and stays in runs/<id>/out.h5.
#pragma once
#include <string>

namespace fm::sweep {

struct MergeCounts {
  int complete = 0, failed = 0, pending = 0;
};

// Rebuilds DIR/summary.h5 from the per-run files (written atomically).
MergeCounts merge(const std::string& dir);

}  // namespace fm::sweep
