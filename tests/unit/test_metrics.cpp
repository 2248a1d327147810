// Metrics against closed forms and brute force.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/metrics/kernel_distances.hpp"
#include "fmkit/metrics/monte_carlo.hpp"
#include "fmkit/metrics/straightness.hpp"
#include "fmkit/metrics/wasserstein.hpp"
#include "fmkit/ot/network_simplex.hpp"

using namespace fm;

namespace {

TEST(NetworkSimplex, EqualsEnumerationOverAllPermutations) {
  Rng rng(3, "ns");
  for (int n = 1; n <= 7; ++n) {
    for (int rep = 0; rep < 5; ++rep) {
      Mat c(n, n);
      for (Index i = 0; i < c.size(); ++i) c.data()[i] = rng.uniform();
      std::vector<Index> perm(static_cast<std::size_t>(n));
      std::iota(perm.begin(), perm.end(), 0);
      double best = 1e300;
      do {
        double s = 0;
        for (int i = 0; i < n; ++i) s += c(i, perm[static_cast<std::size_t>(i)]);
        best = std::min(best, s);
      } while (std::next_permutation(perm.begin(), perm.end()));
      const auto r = ot::exact_assignment(c);
      ASSERT_EQ(r.status, Status::Converged);
      EXPECT_NEAR(r.cost * n, best, 1e-12) << "n = " << n;
      std::vector<Index> seen = r.assignment;
      std::sort(seen.begin(), seen.end());
      for (int i = 0; i < n; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);  // a permutation
    }
  }
}

// W2² between N(0, S1) and N(0, S2), diagonal: Σ(√a − √b)². Equal means keep the O(n^{-1/2})
// fluctuation of the mean term out, so the test sees the convergence of the coupling itself
// (measured: mean over 4 seeds 1.372 at n = 100, 0.960 at 400, 0.948 at 1600; exact 0.9216).
TEST(W2, EmpiricalConvergesToGaussianFormula) {
  Square S1 = Vec2(1.0, 0.25).asDiagonal(), S2 = Vec2(0.5, 2.0).asDiagonal();
  const dist::Gaussian p(Vec2(0, 0), S1), q(Vec2(0, 0), S2);
  const double exact = std::pow(1 - std::sqrt(0.5), 2) + std::pow(0.5 - std::sqrt(2.0), 2);
  double small = 0, large = 0;
  for (int rep = 0; rep < 4; ++rep) {
    Rng rng(rep, "w2");
    small += metrics::w2_exact(p.sample(100, rng), q.sample(100, rng)).w2sq / 4;
    large += metrics::w2_exact(p.sample(1600, rng), q.sample(1600, rng)).w2sq / 4;
  }
  EXPECT_NEAR(large, exact, 0.06);
  EXPECT_LT(std::abs(large - exact), std::abs(small - exact));
}

TEST(SlicedW2, OneDimensionEqualsExactAndShiftFormula) {
  Rng rng(4, "sw");
  const Mat x = rng.normal(300, 1), y = rng.normal(300, 1).array() * 2 + 1;
  const Mat dir = Mat::Ones(1, 1);
  EXPECT_NEAR(metrics::sliced_w2sq(x, y, dir), metrics::w2_exact(x, y).w2sq, 1e-10);
  // Unequal sizes by quantile matching: a set against its own duplication has distance 0.
  Mat xx(600, 1);
  xx << x, x;
  EXPECT_NEAR(metrics::sliced_w2sq(x, xx, dir), 0.0, 1e-14);
  // Pure shift m in d dimensions: the mean over directions of (m·θ)² is ‖m‖²/d.
  const Mat a = rng.normal(4000, 3);
  Mat b = a;
  b.rowwise() += RowVec::Constant(3, 1.0);
  EXPECT_NEAR(metrics::sliced_w2sq(a, b, metrics::sliced_directions(3, 2000, 1)), 1.0, 0.05);
}

TEST(EnergyDistance, UStatisticEqualsBruteForceAndGaussianShiftClosedForm) {
  Rng rng(5, "ed");
  const Mat a = rng.normal(6, 2), b = rng.normal(4, 2).array() + 1.0;
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 4; ++j) ab += (a.row(i) - b.row(j)).norm() / 24;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) aa += i == j ? 0 : (a.row(i) - a.row(j)).norm() / 30;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) bb += i == j ? 0 : (b.row(i) - b.row(j)).norm() / 12;
  EXPECT_NEAR(metrics::energy_distance(a, b), 2 * ab - aa - bb, 1e-12);
  // X ~ N(0,1), Y ~ N(μ,1): X − Y ~ N(−μ, 2), E|X − Y| = 2/√π e^{−μ²/4} + μ(1 − 2Φ(−μ/√2)), E|X − X'| = 2/√π.
  // The estimate is unbiased; its spread at n = 2000 is ≈ 0.025 (measured over seeds), so the mean
  // of 4 seeds must lie within 0.04 (≈ 3 standard errors).
  const double mu = 1.0;
  const double exy = 2 / std::sqrt(M_PI) * std::exp(-mu * mu / 4) + mu * (1 - std::erfc(mu / 2));
  const double exact = 2 * exy - 4 / std::sqrt(M_PI);
  double mean = 0;
  for (int rep = 0; rep < 4; ++rep) {
    Rng r(100 + rep, "ed");
    mean += metrics::energy_distance(r.normal(2000, 1), (r.normal(2000, 1).array() + mu).matrix()) / 4;
  }
  EXPECT_NEAR(mean, exact, 0.04);
}

TEST(Mmd, UnbiasedEstimatorEqualsBruteForceSum) {
  Rng rng(6, "mmd");
  const Mat x = rng.normal(7, 2), y = rng.normal(5, 2).array() + 0.5;
  const std::vector<double> h{0.7, 1.3};
  auto k = [&](const RowVec& a, const RowVec& b) {
    double s = 0;
    for (double w : h) s += std::exp(-(a - b).squaredNorm() / (2 * w * w));
    return s;
  };
  double xx = 0, yy = 0, xy = 0;
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j)
      if (i != j) xx += k(x.row(i), x.row(j));
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j)
      if (i != j) yy += k(y.row(i), y.row(j));
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j) xy += k(x.row(i), y.row(j));
  const double brute = xx / 42 + yy / 20 - 2 * xy / 35;
  EXPECT_NEAR(metrics::mmd2_unbiased(x, y, h), brute, 1e-12);
  const Mat z = rng.normal(2000, 2), w = rng.normal(2000, 2);
  EXPECT_NEAR(metrics::mmd2_unbiased(z, w, metrics::median_bandwidths(w)), 0.0, 2e-3);
}

TEST(MonteCarlo, KlAndTvOfGaussianShift) {
  // p = N(0,1), q = N(μ,1): KL = μ²/2, TV = 2Φ(μ/2) − 1.
  const double mu = 0.8;
  Rng rng(7, "mc");
  const Mat x = rng.normal(200000, 1);
  const dist::Gaussian p = dist::Gaussian::standard(1), q = dist::Gaussian::isotropic(Vec::Constant(1, mu), 1.0);
  const auto kl = metrics::mc_kl(p.log_density(x), q.log_density(x));
  const auto tv = metrics::mc_tv(p.log_density(x), q.log_density(x));
  EXPECT_NEAR(kl.value, mu * mu / 2, 4 * kl.se);
  EXPECT_NEAR(tv.value, std::erf(mu / 2 / std::sqrt(2.0)), 4 * tv.se);
  EXPECT_GT(kl.se, 0);
}

TEST(Memorisation, CopiesVersusFreshSamples) {
  Rng rng(8, "mem");
  const Mat train = rng.normal(500, 2), test = rng.normal(500, 2);
  EXPECT_DOUBLE_EQ(metrics::memorisation_ratio(train, train, test), 1.0);
  EXPECT_NEAR(metrics::memorisation_ratio(rng.normal(2000, 2), train, test), 0.5, 0.06);
}

// A constant field gives straight, constant-speed paths: both curvatures vanish and T = PE = ‖c‖².
TEST(Straightness, ZeroForStraightFlowsPositiveForMixtureFlow) {
  class Constant : public field::VelocityField {
   public:
    Index dim() const override { return 2; }
    std::string name() const override { return "const"; }
    void evaluate(const Mat& x, double, unsigned want, Derivs& out) const override {
      if (want & kValue) out.value = Mat::Constant(x.rows(), 2, 0.5);
    }
  } c;
  Rng rng(9, "st");
  const Mat x0 = rng.normal(200, 2);
  const auto s = metrics::straightness(c, x0);
  EXPECT_LT(s.curv_ott, 1e-12);
  EXPECT_LT(s.s_liu, 1e-12);
  EXPECT_NEAR(s.transport_cost, 0.5, 1e-9);
  EXPECT_NEAR(s.path_energy, 0.5, 1e-9);
  std::vector<dist::Gaussian> comps{dist::Gaussian::isotropic(Vec2(3, 0), 0.3), dist::Gaussian::isotropic(Vec2(-3, 0), 0.3)};
  auto p = std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::independent(
      dist::Gaussian::standard(2), dist::GaussianMixture(Vec2(0.5, 0.5), comps), 0.0));
  const auto m = metrics::straightness(field::MixturePathField(p, path::FieldKind::Velocity), x0);
  EXPECT_GT(m.curv_ott, 1e-3);
  EXPECT_GE(m.path_energy, m.transport_cost - 1e-6);  // Jensen
  EXPECT_NEAR(m.s_liu / 2, m.curv_ott, 0.25 * m.curv_ott);  // curv_ott ≈ S_liu / d
}

// The Euler-grid straightness converges to the Dopri5 one on a smooth (mixture) flow, at first order.
TEST(Straightness, EulerGridAgreesWithDopri5) {
  Rng rng(10, "st-euler");
  const Mat x0 = rng.normal(300, 2);
  std::vector<dist::Gaussian> comps{dist::Gaussian::isotropic(Vec2(2, 1), 0.5), dist::Gaussian::isotropic(Vec2(-2, 0), 0.5)};
  auto p = std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::independent(
      dist::Gaussian::standard(2), dist::GaussianMixture(Vec2(0.3, 0.7), comps), 0.0));
  const field::MixturePathField v(p, path::FieldKind::Velocity);
  const auto ref = metrics::straightness(v, x0, {1e-8, 1e-8, 100000, 0});
  const auto e1 = metrics::straightness_euler(v, x0, 1024), e2 = metrics::straightness_euler(v, x0, 4096);
  for (const auto* e : {&e1, &e2}) {
    EXPECT_NEAR(e->transport_cost, ref.transport_cost, 0.02 * ref.transport_cost);
    EXPECT_NEAR(e->path_energy, ref.path_energy, 0.02 * ref.path_energy);
    EXPECT_NEAR(e->curv_ott, ref.curv_ott, 0.05 * ref.curv_ott);
    EXPECT_NEAR(e->s_liu, ref.s_liu, 0.05 * ref.s_liu);
  }
  // First order: four times the steps, about a quarter of the error.
  EXPECT_LT(std::abs(e2.s_liu - ref.s_liu), 0.5 * std::abs(e1.s_liu - ref.s_liu));
  EXPECT_THROW(metrics::straightness_euler(v, x0, 100), Error);
}

// Against atoms with uniform weights, the weighted W2 equals the assignment W2 to the atoms
// replicated n/M times; a non-uniform b moves it.
TEST(W2, WeightedAtomsEqualReplicatedAssignment) {
  Rng rng(11, "w2-atoms");
  const Mat x = rng.normal(120, 3), atoms = rng.normal(12, 3);
  Mat rep(120, 3);
  for (Index i = 0; i < 120; ++i) rep.row(i) = atoms.row(i % 12);
  const auto w = metrics::w2_exact_weighted(x, atoms, Vec::Constant(12, 1.0 / 12));
  EXPECT_NEAR(w.w2sq, metrics::w2_exact(x, rep).w2sq, 1e-9);
  Vec b = Vec::Constant(12, 0.5 / 11);
  b[0] = 0.5;
  EXPECT_GT(std::abs(metrics::w2_exact_weighted(x, atoms, b).w2sq - w.w2sq), 0.05);
}

}  // namespace
