#include "fmkit/integrate/chunked.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include "fmkit/core/progress.hpp"

namespace fm::integrate {

ChunkStats for_each_chunk(Index n, Index chunk, const std::function<long(Index, Index)>& body,
                          const std::string& label) {
  const Index nchunks = (n + chunk - 1) / chunk;
  Progress bar(n > 0 ? label : std::string(), static_cast<long>(n));  // nothing to do: nothing shown
  const bool show = bar.active();
  long done = 0;
  std::vector<long> nfe(static_cast<std::size_t>(nchunks), 0);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(nchunks));
#pragma omp parallel for schedule(dynamic)
  for (Index c = 0; c < nchunks; ++c) {
    try {
      const Index r0 = c * chunk;
      nfe[static_cast<std::size_t>(c)] = body(r0, std::min(chunk, n - r0));
      if (show) {
#pragma omp critical(fmkit_progress)
        bar.update(done += static_cast<long>(std::min(chunk, n - r0)));
      }
    } catch (...) {
      errors[static_cast<std::size_t>(c)] = std::current_exception();
    }
  }
  bar.finish();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  ChunkStats s;
  double total = 0;
  for (Index c = 0; c < nchunks; ++c) {
    const long k = nfe[static_cast<std::size_t>(c)];
    s.nfe_max = std::max(s.nfe_max, k);
    total += static_cast<double>(k) * static_cast<double>(std::min(chunk, n - c * chunk));
  }
  s.nfe_mean = n > 0 ? total / static_cast<double>(n) : 0;
  return s;
}

}  // namespace fm::integrate
