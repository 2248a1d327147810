// The exact flow-matching path of a 1-D target with a known density p (theory/tv_rate.md
// "Targets"): X_t = (1−t) X0 + t X1 with X0 ~ N(0, 1) independent of X1 ~ p. Its density, velocity
// u(t, x) = E[X1 − X0 | X_t = x] and score are 1-D integrals over the posterior of the endpoints,
// computed by adaptive Gauss–Kronrod with the target's kinks as breakpoints:
//   t < ½ over x1: p_t(x) = ∫ p(x1) φ(z)/(1−t) dx1, z = (x − t x1)/(1−t),
//                  u = (E[X1|x] − x)/(1−t);
//   t ≥ ½ over x0: p_t(x) = ∫ φ(x0) p(y)/t dx0, y = (x − (1−t) x0)/t,
//                  u = (x − E[X0|x])/t,
// so no division by a small 1−t or t amplifies quadrature error, and the integrand is never
// narrower than about one unit in the variable integrated over. The score is −E[X0|x]/(1−t), or
// E[∇log p(Y)|x]/t within 1e-3 of t = 1, where the first form is 0/0. A panel budget that runs out
// is an error, never a silently inaccurate value.
#pragma once
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/dist/holder_density.hpp"

namespace fm::path {

class DensityPath1d {
 public:
  // `target` must be 1-D with a density; p is treated as 0 outside [lo, hi]; `kinks` are the points
  // where p is not smooth. rel_tol is relative to p_t(x).
  DensityPath1d(dist::DistributionPtr target, double lo, double hi, std::vector<double> kinks = {},
                double rel_tol = 1e-10);
  // The target's own support box and kinks when it is a known family (holder, gaussian, gmm).
  static DensityPath1d of(const dist::DistributionPtr& target, double rel_tol = 1e-10);

  struct Point {
    double log_p, velocity, score;
  };
  Point at(double t, double x) const;
  // Batched over the rows of an n×1 matrix, in parallel (each row independent: bit-identical for
  // every thread count).
  Vec log_density(double t, const Mat& x) const;
  Mat velocity(double t, const Mat& x) const;
  Mat score(double t, const Mat& x) const;
  // x_i ~ p_{t_i}, one time per row.
  Mat sample_rows(const Vec& t, Rng& rng) const;
  const dist::DistributionPtr& target() const { return target_; }

 private:
  std::vector<Point> batch(double t, const Mat& x) const;
  double log_p(double x) const;
  double score_p(double x) const;
  dist::DistributionPtr target_;
  // The holder family's scalar density, resolved once: log_p is the quadrature's inner loop.
  const dist::HolderDensity* holder_ = nullptr;
  double lo_, hi_, rel_tol_;
  std::vector<double> kinks_;
};

}  // namespace fm::path
