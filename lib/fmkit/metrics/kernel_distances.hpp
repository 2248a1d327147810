// Sample-based distribution distances: the energy distance 2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖ and the
// unbiased MMD² with a sum of RBF kernels (U-statistics for the within-sample terms), plus the
// median pairwise distance for bandwidth selection.
#pragma once
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::metrics {

double energy_distance(const Mat& x, const Mat& y);
// k(a, b) = Σ_h exp(−‖a − b‖² / (2h²)) over the bandwidths h.
double mmd2_unbiased(const Mat& x, const Mat& y, const std::vector<double>& bandwidths);
double median_pairwise_distance(const Mat& x);
// The median heuristic of theory/sdfm.md §8: {0.5, 1, 2} × the median pairwise distance of `ref`.
std::vector<double> median_bandwidths(const Mat& ref);

}  // namespace fm::metrics
