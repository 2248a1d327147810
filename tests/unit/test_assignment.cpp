// The shortest-augmenting-path assignment with augmenting row reduction (ot/assignment): brute force over all permutations for
// small n, and the network simplex's optimum for larger ones, on continuous, integer (tied) and
// negative (dot) costs.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/cost.hpp"

using namespace fm;

namespace {

bool is_permutation(const std::vector<Index>& a) {
  std::vector<Index> s = a;
  std::sort(s.begin(), s.end());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] != static_cast<Index>(i)) return false;
  return true;
}

TEST(LinearAssignment, EqualsEnumerationOverAllPermutations) {
  Rng rng(1, "lap-small");
  for (Index n = 1; n <= 7; ++n) {
    Mat c(n, n);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < n; ++j) c(i, j) = rng.uniform(-1, 1);
    std::vector<Index> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    double best = 1e300;
    do {
      double s = 0;
      for (Index i = 0; i < n; ++i) s += c(i, p[static_cast<std::size_t>(i)]);
      best = std::min(best, s / static_cast<double>(n));
    } while (std::next_permutation(p.begin(), p.end()));
    const auto r = ot::linear_assignment(c);
    ASSERT_EQ(r.status, Status::Converged);
    EXPECT_TRUE(is_permutation(r.assignment));
    EXPECT_NEAR(r.cost, best, 1e-14) << "n=" << n;
  }
}

TEST(LinearAssignment, MatchesTheNetworkSimplexOnLargerProblems) {
  Rng rng(2, "lap-large");
  for (Index n : {64, 300}) {
    const Mat x = rng.normal(n, 5), y = rng.normal(n, 5);
    for (const Mat& c : {ot::sq_euclidean_cost(x, y), ot::cost_matrix(x, y, ot::CostKind::Dot)}) {
      const auto a = ot::linear_assignment(c), b = ot::exact_assignment(c);
      EXPECT_TRUE(is_permutation(a.assignment));
      EXPECT_NEAR(a.cost, b.cost, 1e-9 * (1 + std::abs(b.cost))) << "n=" << n;
    }
    // 2-D points: the augmenting row reduction meets near-ties and stops at its cap of scans.
    const Mat x2 = rng.normal(n, 2), y2 = rng.normal(n, 2);
    const Mat c2 = ot::sq_euclidean_cost(x2, y2);
    EXPECT_NEAR(ot::linear_assignment(c2).cost, ot::exact_assignment(c2).cost, 1e-9) << "n=" << n;
    Mat ties(n, n);  // small integers: many optimal assignments, one optimal cost
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < n; ++j) ties(i, j) = static_cast<double>(rng.below(4));
    EXPECT_NEAR(ot::linear_assignment(ties).cost, ot::exact_assignment(ties).cost, 1e-12);
  }
  EXPECT_THROW(ot::linear_assignment(Mat::Zero(2, 3)), Error);
}

// optimal_pairing solves the dot cost through the squared distance: the same optimal dot cost as a
// direct solve, on clustered 2-D points (where the dot cost has the most near-ties) and in d = 8.
TEST(LinearAssignment, PairingThroughTheSquaredDistanceIsOptimalForTheDotCost) {
  Rng rng(3, "lap-pairing");
  for (Index d : {2, 8}) {
    const Mat x = rng.normal(400, d);
    Mat y = rng.normal(400, d) * 0.1;
    for (Index i = 0; i < y.rows(); ++i) y(i, i % d) += (i % 2 ? 2.0 : -2.0);  // 2d clusters
    const auto direct = ot::linear_assignment(ot::cost_matrix(x, y, ot::CostKind::Dot));
    const auto paired = ot::optimal_pairing(x, y, ot::CostKind::Dot);
    ASSERT_EQ(paired.status, Status::Converged);
    EXPECT_TRUE(is_permutation(paired.assignment));
    EXPECT_NEAR(paired.cost, direct.cost, 1e-12 * (1 + std::abs(direct.cost))) << "d=" << d;
    EXPECT_NEAR(ot::optimal_pairing(x, y, ot::CostKind::SqEuclid).cost,
                ot::linear_assignment(ot::sq_euclidean_cost(x, y)).cost, 1e-12) << "d=" << d;
  }
}

}  // namespace
