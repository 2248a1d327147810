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
