// W2 between point sets: exact (an optimal assignment by shortest augmenting paths, equal sizes up to 5 000 points, cost ‖x − y‖²)
// and sliced (1-D OT by sorting along fixed random directions).
#pragma once
#include <string>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/status.hpp"

namespace fm::metrics {

struct W2Result {
  double w2sq = 0;  // W2² (cost ‖x − y‖², no ½)
  double w2 = 0;
  Status status = Status::Converged;
  double seconds = 0;
  std::string brief() const;
};

W2Result w2_exact(const Mat& x, const Mat& y);
// Between the empirical measure of x (uniform weights) and the atoms with weights b (network simplex).
W2Result w2_exact_weighted(const Mat& x, const Mat& atoms, const Vec& b);

// Directions drawn once from `seed` (so every method is compared on the same projections).
Mat sliced_directions(Index d, Index projections, std::uint64_t seed);
// Mean over directions of the 1-D W2² (equal sizes: sorted pairing; otherwise quantile matching).
double sliced_w2sq(const Mat& x, const Mat& y, const Mat& directions);

}  // namespace fm::metrics
