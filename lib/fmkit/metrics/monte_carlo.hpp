// Monte-Carlo KL and TV from exact target log-densities at target samples (x ~ p):
//   KL(p‖q) = E_p[log p − log q],   TV(p, q) = E_p[(1 − q/p)₊],
// each with its standard error (sample std / √n), and the memorisation ratio.
#pragma once
#include "fmkit/core/estimate.hpp"

namespace fm::metrics {

using fm::Estimate;

Estimate mc_kl(const Vec& log_p, const Vec& log_q);
Estimate mc_tv(const Vec& log_p, const Vec& log_q);

// Fraction of generated points whose nearest training point is closer than r_ref, the median
// nearest-training-point distance of held-out test points (≈ 0.5 for fresh samples, → 1 when a
// model memorises its training set).
double memorisation_ratio(const Mat& generated, const Mat& train, const Mat& test);

}  // namespace fm::metrics
