// A sweep's finished work, copied out of its directory so the sweep can go on elsewhere: a
// scratch file system that is purged, a machine that is replaced between sessions, a laptop after
// a cluster. The copy holds the manifest and, for each complete run, its config, output, status and
// logs; for each resumable run (an interrupted run whose out.h5 is a checkpoint: fm-train,
// fm-tv-study) the same, its checkpoint as out.h5. Nothing else of a run that is going or never
// started is copied (no locks, no partial files). The copy is itself a sweep directory: `fm-sweep
// status` and `gather` read it, and `fm-sweep run SWEEP.json --out COPY` continues the sweep there,
// skipping the complete runs and resuming the checkpoints.
#pragma once
#include <string>

namespace fm::sweep {

struct ArchiveCounts {
  int copied = 0;        // complete in `dir`, copied now
  int already = 0;       // complete in `dir` and already complete in `dest` (left as it is)
  int checkpoints = 0;   // resumable in `dir`, its checkpoint copied now (over an older one in `dest`)
  int left_out = 0;      // neither: running without a checkpoint, interrupted, failed or not started
};

// Copies `dir`'s manifest, complete runs and checkpoints into `dest` (created). Each output is
// copied under a temporary name and renamed into place last, so an interrupted copy never leaves a
// run that looks complete. A run complete in `dest` is never overwritten. Usage errors: `dir` is
// not a sweep directory, `dest` is `dir`, `dest` holds a sweep of another program, or a run complete
// in both with different configs.
ArchiveCounts archive(const std::string& dir, const std::string& dest);

}  // namespace fm::sweep
