#include "fmkit/core/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <vector>

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

void for_each_unit(std::size_t n, const std::function<void(std::size_t)>& unit) {
  if (n == 0) return;
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> first_failed{n};  // units past it are skipped, those before it all run
  const int team = static_cast<int>(std::min<std::size_t>(n, static_cast<std::size_t>(threads())));
  const long count = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
  for (long k = 0; k < count; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (i > first_failed.load()) continue;
    try {
      unit(i);
    } catch (...) {
      errors[i] = std::current_exception();
      for (std::size_t f = first_failed.load(); i < f && !first_failed.compare_exchange_weak(f, i);) {
      }
    }
  }
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace fm
