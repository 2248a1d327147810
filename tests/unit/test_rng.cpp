// Counter-based RNG streams: reproducibility, independence, and our own transforms' moments.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/rng.hpp"

using fm::Rng;

TEST(Rng, SameSeedPurposeIndexGivesIdenticalStream) {
  Rng a(7, "noise", 3), b(7, "noise", 3);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
  EXPECT_EQ(Rng(1, "x").normal(100, 3), Rng(1, "x").normal(100, 3));
}

TEST(Rng, DifferentPurposesSeedsAndIndicesAreUncorrelated) {
  const int n = 200000;
  auto corr = [&](Rng a, Rng b) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += a.normal() * b.normal();
    return s / n;
  };
  // Each correlation has standard error 1/√n ≈ 0.0022; 5 s.e. bound.
  EXPECT_LT(std::abs(corr(Rng(1, "source"), Rng(1, "target"))), 0.011);
  EXPECT_LT(std::abs(corr(Rng(1, "source"), Rng(2, "source"))), 0.011);
  EXPECT_LT(std::abs(corr(Rng(1, "source", 0), Rng(1, "source", 1))), 0.011);
  EXPECT_NE(Rng(1, "a").next_u64(), Rng(1, "b").next_u64());
}

TEST(Rng, NormalAndUniformMoments) {
  Rng r(42, "moments");
  const int n = 400000;
  double s1 = 0, s2 = 0, s4 = 0, u1 = 0, umin = 1, umax = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
    const double u = r.uniform();
    u1 += u;
    umin = std::min(umin, u);
    umax = std::max(umax, u);
  }
  EXPECT_NEAR(s1 / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(s2 / n, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(s4 / n, 3.0, 5 * std::sqrt(96.0 / n));
  EXPECT_NEAR(u1 / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_GT(umin, 0.0);
  EXPECT_LT(umax, 1.0);
}

TEST(Rng, BelowIsUniform) {
  Rng r(3, "below");
  int counts[7] = {0};
  const int n = 70000;
  for (int i = 0; i < n; ++i) ++counts[r.below(7)];
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
  EXPECT_LT(chi2, 22.46);  // χ²(6) 0.999 quantile
}

TEST(Rng, StateRoundTripResumesExactly) {
  Rng a(9, "state");
  a.normal();  // leaves a cached spare normal
  a.next_u32();
  const auto st = a.state();
  Rng b(0, "other");
  b.set_state(st);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.normal(), b.normal());
}

TEST(Rng, BulkNormalsEqualRepeatedNormalCalls) {
  Rng a(5, "bulk"), b(5, "bulk");
  a.normal();  // leave a spare cached in both
  b.normal();
  fm::Mat m(7, 3);  // odd count: ends with a cached spare
  a.fill_normal(m);
  for (fm::Index i = 0; i < m.size(); ++i) ASSERT_DOUBLE_EQ(m.data()[i], b.normal()) << i;
  ASSERT_DOUBLE_EQ(a.normal(), b.normal());
}
