// The classical baseline of the TV-rate study (theory/tv_rate.md): a Gaussian kernel density
// estimate q_h(x) = (1/n) Σ_i N(x; x_i, h² I) with its exact log-density (log-sum-exp over every
// point, no truncation), the leave-one-out log-likelihood, and the bandwidth that maximises it.
#pragma once
#include "fmkit/core/types.hpp"

namespace fm::metrics {

class GaussianKde {
 public:
  GaussianKde(const Mat& points, double h);
  Vec log_density(const Mat& x) const;  // parallel over queries; bit-identical for any thread count
  // (1/m) Σ_{j<m} log((1/(n−1)) Σ_{i≠j} N(x_j; x_i, h² I)) over the first m = min(n, max_points)
  // sample points (the sample is i.i.d., so the first m are a random subset).
  double loo_log_likelihood(Index max_points) const;
  double bandwidth() const { return h_; }
  Index size() const { return pts_.rows(); }

 private:
  // log Σ_{i ∉ {skip}} exp(−‖x − x_i‖²/(2h²)) for one query.
  double log_sum(const double* x, Index skip) const;
  Eigen::MatrixXd pts_;  // column-major: each coordinate contiguous, so the inner loop vectorises
  double h_;
};

struct BandwidthFit {
  double h = 0;
  double loo = 0;  // the leave-one-out log-likelihood at h
  int evaluations = 0;
  bool interior = true;  // false when the maximiser sits at a search bound (widen the bracket)
};

// Golden-section search for the maximiser of the leave-one-out log-likelihood over log h in
// [h_lo, h_hi], to a relative precision of 1e-3 in h.
BandwidthFit kde_cv_bandwidth(const Mat& points, double h_lo, double h_hi, Index max_points = 4096);

}  // namespace fm::metrics
