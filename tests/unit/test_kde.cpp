// The Gaussian KDE against a direct sum, its leave-one-out likelihood against a direct
// leave-one-out sum, and the cross-validated bandwidth against a grid search.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "fmkit/core/rng.hpp"
#include "fmkit/metrics/kde.hpp"

using namespace fm;

namespace {
// log((1/|I|) Σ_{i∈I} N(x; x_i, h² I)) by the plain formula, in long double.
double direct(const Mat& pts, const RowVec& x, double h, Index skip = -1) {
  long double s = 0;
  for (Index i = 0; i < pts.rows(); ++i) {
    if (i == skip) continue;
    const long double d2 = (pts.row(i) - x).squaredNorm();
    s += std::exp(-d2 / (2.0L * h * h));
  }
  const double n = static_cast<double>(pts.rows() - (skip >= 0 ? 1 : 0));
  return static_cast<double>(std::log(s)) - std::log(n) -
         0.5 * static_cast<double>(pts.cols()) * std::log(2 * std::numbers::pi * h * h);
}
}  // namespace

TEST(GaussianKde, LogDensityEqualsTheDirectSumFarIntoTheTails) {
  Rng rng(3, "kde/points");
  for (Index d : {1, 2}) {
    const Mat pts = rng.normal(500, d);
    const metrics::GaussianKde kde(pts, 0.3);
    Mat x = rng.normal(50, d) * 2.0;
    x.row(0).setConstant(20.0);  // far out: every kernel term underflows a double
    const Vec lq = kde.log_density(x);
    EXPECT_LT(lq[0], -700);
    for (Index j = 0; j < x.rows(); ++j) {
      EXPECT_NEAR(lq[j], direct(pts, x.row(j), 0.3), 1e-12 * std::max(1.0, std::abs(lq[j]))) << d << " " << j;
    }
  }
}

TEST(GaussianKde, LeaveOneOutLikelihoodAndCrossValidatedBandwidth) {
  Rng rng(4, "kde/cv");
  const Mat pts = rng.normal(400, 1);
  for (double h : {0.1, 0.4}) {
    double s = 0;
    for (Index j = 0; j < 100; ++j) s += direct(pts, pts.row(j), h, j) / 100;
    EXPECT_NEAR(metrics::GaussianKde(pts, h).loo_log_likelihood(100), s, 1e-11);
  }
  const auto fit = metrics::kde_cv_bandwidth(pts, 0.01, 3.0, 400);
  EXPECT_TRUE(fit.interior);
  // A 200-point log grid around the optimum never does better than the golden-section answer.
  double best = -1e300, best_h = 0;
  for (int k = 0; k < 200; ++k) {
    const double h = 0.05 * std::pow(20.0, k / 199.0);
    const double v = metrics::GaussianKde(pts, h).loo_log_likelihood(400);
    if (v > best) {
      best = v;
      best_h = h;
    }
  }
  EXPECT_GE(fit.loo, best - 1e-6);
  EXPECT_NEAR(std::log(fit.h), std::log(best_h), 0.02);
  // For N(0, 1) with n = 400 the likelihood-CV bandwidth is of the order of Silverman's 0.32.
  EXPECT_GT(fit.h, 0.15);
  EXPECT_LT(fit.h, 0.6);
  // A bracket that excludes the optimum is reported as such.
  EXPECT_FALSE(metrics::kde_cv_bandwidth(pts, 1.0, 3.0, 400).interior);
}
