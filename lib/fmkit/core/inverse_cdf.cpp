#include "fmkit/core/inverse_cdf.hpp"

#include <algorithm>

#include "fmkit/core/error.hpp"

namespace fm {

Index inverse_cdf(const double* w, Index n, double v) {
  FM_REQUIRE(n >= 1, "inverse_cdf: expected at least one weight");
  double acc = 0;
  Index k = 0;
  for (; k + 1 < n; ++k) {
    acc += w[k];
    if (v < acc) break;
  }
  return k;
}

CumulativeWeights::CumulativeWeights(const double* w, Index n) : sums_(static_cast<std::size_t>(n)) {
  FM_REQUIRE(n >= 1, "CumulativeWeights: expected at least one weight");
  double acc = 0;
  for (Index k = 0; k < n; ++k) sums_[static_cast<std::size_t>(k)] = acc += w[k];
}

Index CumulativeWeights::pick(double v) const {
  FM_REQUIRE(!sums_.empty(), "CumulativeWeights: no weights");
  // The sums never decrease (the weights are ≥ 0), so the first sum above v is a binary search.
  const auto k = static_cast<Index>(std::upper_bound(sums_.begin(), sums_.end(), v) - sums_.begin());
  return std::min(k, size() - 1);
}

}  // namespace fm
