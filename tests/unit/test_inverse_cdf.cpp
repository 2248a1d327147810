// Inverse-CDF draws: the definition (first partial sum above v) by brute force at and beside every
// partial sum, the scan and the table agreeing, the rounding fallback, and draw frequencies.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/core/rng.hpp"

using fm::CumulativeWeights;
using fm::Index;
using fm::inverse_cdf;

namespace {

// The definition, written out with its own partial sums: the first k with v < w_0 + … + w_k, else n − 1.
Index brute(const std::vector<double>& w, double v) {
  for (std::size_t k = 0; k < w.size(); ++k) {
    double s = 0;
    for (std::size_t i = 0; i <= k; ++i) s += w[i];
    if (v < s) return static_cast<Index>(k);
  }
  return static_cast<Index>(w.size()) - 1;
}

}  // namespace

TEST(InverseCdf, ScanAndTableFollowTheDefinitionAtAndBesidePartialSums) {
  const std::vector<std::vector<double>> cases = {
      {1.0}, {0.25, 0.75}, {0.0, 0.5, 0.0, 0.5}, {0.1, 0.2, 0.3, 0.4, 0.0}, {3.0, 1.0, 0.0, 2.0}, {0.0, 0.0, 1.0}};
  for (const auto& w : cases) {
    const auto n = static_cast<Index>(w.size());
    const CumulativeWeights table(w.data(), n);
    std::vector<double> probes = {0.0, -0.0, table.total(), table.total() * 2, 1e300};
    double s = 0;
    for (const double wk : w) {
      s += wk;  // exactly at a partial sum the draw moves past it: v < s is false there
      probes.insert(probes.end(), {s, std::nextafter(s, -1.0), std::nextafter(s, 1e9)});
    }
    for (const double v : probes) {
      if (v < 0) continue;
      const Index want = brute(w, v);
      EXPECT_EQ(inverse_cdf(w.data(), n, v), want) << "v = " << v;
      EXPECT_EQ(table.pick(v), want) << "v = " << v;
    }
  }
  // A zero weight inside is never chosen; past the total the last index is, weight or not.
  const std::vector<double> w = {0.5, 0.0, 0.5, 0.0};
  EXPECT_EQ(inverse_cdf(w.data(), 4, 0.5), 2);
  EXPECT_EQ(inverse_cdf(w.data(), 4, 1.0), 3);
  EXPECT_EQ(CumulativeWeights(w.data(), 4).pick(1.0), 3);
}

TEST(InverseCdf, ScanAndTableAgreeOnRandomWeightsAndThresholds) {
  fm::Rng rng(11, "test/inverse-cdf");
  for (int rep = 0; rep < 200; ++rep) {
    const Index n = 1 + static_cast<Index>(rng.below(40));
    std::vector<double> w(static_cast<std::size_t>(n));
    for (double& x : w) x = rng.uniform() < 0.2 ? 0.0 : rng.uniform();
    const CumulativeWeights table(w.data(), n);
    for (int q = 0; q < 50; ++q) {
      const double v = rng.uniform() * table.total() * 1.01;
      ASSERT_EQ(inverse_cdf(w.data(), n, v), table.pick(v));
      ASSERT_EQ(table.pick(v), brute(w, v));
    }
  }
}

TEST(InverseCdf, DrawFrequenciesMatchTheWeights) {
  const std::vector<double> w = {0.1, 0.0, 0.6, 0.3};
  const CumulativeWeights table(w.data(), 4);
  fm::Rng rng(3, "test/inverse-cdf-freq");
  const int draws = 200000;
  std::vector<int> count(4, 0);
  for (int i = 0; i < draws; ++i) ++count[static_cast<std::size_t>(table.pick(rng.uniform()))];
  EXPECT_EQ(count[1], 0);
  for (std::size_t k : {0u, 2u, 3u}) {
    const double se = std::sqrt(w[k] * (1 - w[k]) / draws);  // 5 s.e. bound
    EXPECT_NEAR(count[k] / static_cast<double>(draws), w[k], 5 * se) << "k = " << k;
  }
}

TEST(InverseCdf, NoWeightsIsAnError) {
  const double w = 1.0;
  EXPECT_THROW(inverse_cdf(&w, 0, 0.5), fm::Error);
  EXPECT_THROW(CumulativeWeights(&w, 0), fm::Error);
  EXPECT_THROW(CumulativeWeights().pick(0.5), fm::Error);
}
