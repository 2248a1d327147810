// The log–log rate fit recovers a known exponent, its bootstrap interval covers it at about the
// stated level, and non-positive means are dropped and counted.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/rng.hpp"
#include "fmkit/metrics/rate_fit.hpp"

using namespace fm;

namespace {
// y = 3 n^{−r} e^{σξ} at n = 2^8 … 2^15 with `reps` repetitions.
void synthetic(double r, double sigma, int reps, std::uint64_t seed, std::vector<double>& n, std::vector<double>& y) {
  Rng rng(seed, "rate/synthetic");
  n.clear();
  y.clear();
  for (int k = 8; k <= 15; ++k)
    for (int i = 0; i < reps; ++i) {
      n.push_back(std::ldexp(1.0, k));
      y.push_back(3 * std::pow(n.back(), -r) * std::exp(sigma * rng.normal()));
    }
}
}  // namespace

TEST(RateFit, RecoversAKnownExponent) {
  std::vector<double> n, y;
  synthetic(0.37, 0.0, 5, 1, n, y);
  auto f = metrics::fit_rate(n, y, 1024);
  EXPECT_NEAR(f.rate, 0.37, 1e-12);
  EXPECT_NEAR(f.intercept, std::log(3.0), 1e-10);
  EXPECT_EQ(f.n_values, 6);  // 2^10 … 2^15
  synthetic(0.37, 0.1, 5, 2, n, y);
  f = metrics::fit_rate(n, y, 1024);
  EXPECT_NEAR(f.rate, 0.37, 0.03);
  EXPECT_LT(f.lo, f.rate);
  EXPECT_GT(f.hi, f.rate);
  EXPECT_EQ(f.valid_resamples, 2000);
}

TEST(RateFit, BootstrapIntervalCoversAtAboutItsLevel) {
  // The stratified percentile bootstrap with 5 repetitions under-covers somewhat (it resamples
  // from 5 values); 200 synthetic studies must still cover in at least 75 % of cases, and the
  // interval must not be so wide that it always covers.
  int cover = 0;
  double width = 0;
  for (int s = 0; s < 200; ++s) {
    std::vector<double> n, y;
    synthetic(0.25, 0.2, 5, 100 + static_cast<std::uint64_t>(s), n, y);
    const auto f = metrics::fit_rate(n, y, 1024, 0.9, 500, static_cast<std::uint64_t>(s));
    cover += f.lo <= 0.25 && 0.25 <= f.hi;
    width += (f.hi - f.lo) / 200;
  }
  EXPECT_GE(cover, 150);
  EXPECT_LE(cover, 198);
  EXPECT_LT(width, 0.1);
}

TEST(RateFit, DropsNonPositiveMeansAndNeedsTwoPoints) {
  std::vector<double> n{256, 256, 512, 512, 1024, 1024}, y{0.5, 0.3, -0.2, 0.1, 0.2, 0.1};
  auto f = metrics::fit_rate(n, y);
  EXPECT_EQ(f.dropped, 1);  // the mean at 512 is −0.05
  EXPECT_EQ(f.n_values, 2);
  EXPECT_TRUE(std::isfinite(f.rate));
  f = metrics::fit_rate(n, y, 1000);
  EXPECT_TRUE(std::isnan(f.rate));
}
