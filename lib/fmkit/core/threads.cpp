#include "fmkit/core/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <string>

#include "fmkit/core/error.hpp"

namespace fm {

int max_threads() { return std::max(256, 4 * omp_get_num_procs()); }

void set_threads(int n) {
  // Thousands of OpenMP threads on a few cores crashed (100000) or crawled (5000); more than a few
  // per core never pays, so a count past that is a typo, refused before any work.
  if (n < 0 || n > max_threads())
    usage_error("--threads: expected 0 (all cores) to " + std::to_string(max_threads()) + ", got " + std::to_string(n));
  omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
}

int threads() { return omp_get_max_threads(); }

bool worth_threads(double entries) {
  // 2^15 entries of a few flops each take 10–30 µs on one core, several fork/join costs.
  constexpr double kMinEntries = 1 << 15;
  return entries >= kMinEntries && omp_get_max_threads() > 1;
}

}  // namespace fm
