#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/quadrature.hpp"

TEST(Quadrature, GaussLegendreIsExactForPolynomialsAndAccurateForSmooth) {
  // An n-node rule integrates degree 2n−1 exactly.
  EXPECT_NEAR(fm::quadrature([](double t) { return std::pow(t, 9); }, 0, 1, 5), 0.1, 1e-15);
  EXPECT_NEAR(fm::quadrature([](double t) { return std::exp(t); }, -1, 2, 64), std::exp(2) - std::exp(-1), 1e-13);
  const auto r = fm::gauss_legendre(64, 0, 1);
  double s = 0;
  for (double w : r.weights) s += w;
  EXPECT_NEAR(s, 1.0, 1e-14);
}

#include "fmkit/core/rng.hpp"
#include "fmkit/core/sincos.hpp"

TEST(SincosFast, MatchesLibmOverTheEmbeddingRange) {
  fm::Rng rng(1, "sincos");
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = i < 100000 ? rng.uniform(-1000, 1000) : rng.uniform(-4, 4);
    double s, c;
    fm::sincos_fast(x, s, c);
    worst = std::max({worst, std::abs(s - std::sin(x)) / std::max(1.0, std::abs(x)),
                      std::abs(c - std::cos(x)) / std::max(1.0, std::abs(x))});
  }
  EXPECT_LT(worst, 2e-16);
  double s, c;
  fm::sincos_fast(0.0, s, c);
  EXPECT_EQ(s, 0.0);
  EXPECT_EQ(c, 1.0);
}

TEST(Quadrature, AdaptiveGaussKronrodHandlesKinksAndVectorIntegrands) {
  // ∫_{−1}^{2} |x|^{1/2} dx = (2/3)(1 + 2^{3/2}): a kink at 0, given as a breakpoint or found by bisection.
  const double exact = (2.0 / 3.0) * (1 + std::pow(2.0, 1.5));
  auto f = [](double x, double* out) {
    out[0] = std::sqrt(std::abs(x));
    out[1] = x * std::sqrt(std::abs(x));  // ∫ = (2/5)(2^{5/2} − 1)
  };
  const auto with = fm::integrate_adaptive(f, 2, -1, 2, {0.0}, 0, 1e-11);
  const auto without = fm::integrate_adaptive(f, 2, -1, 2, {}, 0, 1e-11);
  ASSERT_TRUE(with.converged);
  ASSERT_TRUE(without.converged);
  EXPECT_NEAR(with.value[0], exact, 1e-10);
  EXPECT_NEAR(without.value[0], exact, 1e-10);
  EXPECT_NEAR(with.value[1], 0.4 * (std::pow(2.0, 2.5) - 1), 1e-10);
  // The 15-point Kronrod rule is exact for degree 22 (the |K15 − G7| error estimate is G7's error,
  // a conservative bound, so it may still bisect).
  const auto poly = fm::integrate_adaptive([](double x, double* o) { o[0] = std::pow(x, 22); }, 1, 0, 1, {}, 0, 1e-13);
  EXPECT_NEAR(poly.value[0], 1.0 / 23, 1e-15);
  const auto one = fm::integrate_adaptive([](double x, double* o) { o[0] = std::pow(x, 13); }, 1, 0, 1, {}, 0, 1e-13);
  EXPECT_EQ(one.panels, 1);  // G7 is exact to degree 13: the estimate is 0
  EXPECT_NEAR(one.value[0], 1.0 / 14, 1e-15);
  // A panel budget that runs out is reported, not hidden.
  const auto starved = fm::integrate_adaptive([](double x, double* o) { o[0] = 1 / std::sqrt(std::abs(x - 0.3)); }, 1,
                                              0, 1, {}, 0, 1e-14, 4);
  EXPECT_FALSE(starved.converged);
  EXPECT_EQ(starved.panels, 4);
}
