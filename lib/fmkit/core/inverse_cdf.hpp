// Drawing an index with probability proportional to non-negative weights w_0, …, w_{n−1}, by
// inverse CDF: the first k with v < w_0 + … + w_k, the partial sums taken in index order, and
// n − 1 when rounding leaves v at or above the total. v is the caller's threshold (a uniform in
// [0, 1), scaled by the total where the weights are not normalised), so each caller keeps its own
// random stream. Mixture components, resampling, atoms and plan entries all draw this way; one
// definition keeps their draws the same function of (weights, v).
#pragma once
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm {

// One draw from weights used once: a single scan, stopping at the answer.
Index inverse_cdf(const double* w, Index n, double v);

// Many draws from the same weights: the partial sums once, then a binary search per draw, with the
// same answer as inverse_cdf on the same weights and v.
class CumulativeWeights {
 public:
  CumulativeWeights() = default;
  CumulativeWeights(const double* w, Index n);
  explicit CumulativeWeights(const Vec& w) : CumulativeWeights(w.data(), w.size()) {}
  Index pick(double v) const;
  double total() const { return sums_.empty() ? 0.0 : sums_.back(); }
  Index size() const { return static_cast<Index>(sums_.size()); }

 private:
  std::vector<double> sums_;
};

}  // namespace fm
