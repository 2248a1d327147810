// A sweep's complete runs, copied out of its directory so the sweep can go on elsewhere: a scratch
// file system that is purged, a machine that is replaced between sessions, a laptop after a
// cluster. The copy holds the manifest and, for each complete run, its config, output, status and
// logs — nothing of a run that is still going or never started (no locks, no partial files). It is
// itself a sweep directory: `fm-sweep status` and `gather` read it, and `fm-sweep run SWEEP.json
// --out COPY` continues the sweep there, skipping what was copied.
#pragma once
#include <string>

namespace fm::sweep {

struct ArchiveCounts {
  int copied = 0;      // complete in `dir`, copied now
  int already = 0;     // complete in `dir` and already complete in `dest` (left as it is)
  int left_out = 0;    // not complete in `dir`
};

// Copies `dir`'s manifest and complete runs into `dest` (created). Each output is copied under a
// temporary name and renamed into place last, so an interrupted copy never leaves a run that looks
// complete. Usage errors: `dir` is not a sweep directory, `dest` is `dir`, `dest` holds a sweep of
// another program, or a run complete in both with different configs.
ArchiveCounts archive(const std::string& dir, const std::string& dest);

}  // namespace fm::sweep
