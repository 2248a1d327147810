#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/quadrature.hpp"

TEST(Quadrature, GaussLegendreIsExactForPolynomialsAndAccurateForSmooth) {
  // An n-node rule integrates degree 2n−1 exactly.
  EXPECT_NEAR(fm::integrate([](double t) { return std::pow(t, 9); }, 0, 1, 5), 0.1, 1e-15);
  EXPECT_NEAR(fm::integrate([](double t) { return std::exp(t); }, -1, 2, 64), std::exp(2) - std::exp(-1), 1e-13);
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
