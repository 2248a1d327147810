// Cluster job files for a prepared sweep directory: a Slurm array script (one task per run, each
// task `fm-sweep run-one DIR --index $SLURM_ARRAY_TASK_ID`, so it skips, resumes and retries
// exactly like a local run) and a GNU parallel job list (one `fm-sweep run-one` line per run).
// After either, `fm-sweep merge DIR` builds summary.h5.
#pragma once
#include <string>

namespace fm::sweep {

// Writes DIR/sweep.slurm and returns its path. `sweep_bin` is the fm-sweep to call (absolute).
std::string emit_slurm(const std::string& dir, const std::string& sweep_bin);
// Writes DIR/jobs.txt and returns its path.
std::string emit_parallel(const std::string& dir, const std::string& sweep_bin);

}  // namespace fm::sweep
