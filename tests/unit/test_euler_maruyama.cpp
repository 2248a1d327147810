// Euler–Maruyama grids, sampler and the exact moment propagation law (theory/dfm.md §2, §4.1).
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/integrate/em_moments.hpp"
#include "fmkit/integrate/euler_maruyama.hpp"
#include "fmkit/integrate/grid.hpp"

using namespace fm;
using namespace fm::integrate;

namespace {

TEST(Grid, G3StepCountAndEndpoint) {
  const Grid g = grid_g3(4, 0.01);
  EXPECT_EQ(g.steps(), 38);
  EXPECT_DOUBLE_EQ(g.end(), 0.99);
  EXPECT_DOUBLE_EQ(g.t[4], 0.5);
  // Geometric part: h_{k+1} = h (1 − t_{k+1}) except the clipped last step.
  for (long k = 4; k + 2 < static_cast<long>(g.t.size()); ++k)
    EXPECT_NEAR(g.h(k), 0.125 * (1 - g.t[static_cast<std::size_t>(k + 1)]), 1e-14);
}

TEST(Grid, G1G2G2u) {
  EXPECT_EQ(grid_g1(8).steps(), 8);
  const Grid g2 = grid_g2(10, 0.1);
  EXPECT_EQ(g2.steps(), 10);
  EXPECT_DOUBLE_EQ(g2.end(), 0.9);
  const Grid g2u = grid_g2(10, 0.1, true);
  EXPECT_EQ(g2u.steps(), 9);
  EXPECT_NEAR(g2u.h(0), 0.1, 1e-15);
  EXPECT_THROW(grid_g2(10, 0.6), fm::Error);
  EXPECT_THROW(grid_g3(4, 0.0), fm::Error);
}

// The stationary case of dfm.md §4.1: σ² = 2, N(0,1) → N(0,1), b = −x, P_N = P* + (1−h)^{2N}(1 − P*).
TEST(EmMoments, StationaryClosedForm) {
  const auto p = std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::independent(
      dist::Gaussian::standard(1), dist::GaussianMixture(Vec::Ones(1), {dist::Gaussian::standard(1)}), 2.0));
  for (long N : {8, 64}) {
    const double h = 1.0 / static_cast<double>(N);
    const GaussianLaw law = em_gaussian_law(exact_affine_drift(p), 2.0, {Vec::Zero(1), Square::Ones(1, 1)}, grid_g1(N));
    const double Pstar = 2 / (2 - h);
    EXPECT_NEAR(law.cov(0, 0), Pstar + std::pow(1 - h, 2 * N) * (1 - Pstar), 1e-14);
    EXPECT_NEAR(law.mean(0), 0.0, 1e-15);
  }
}

// Particles under EM with the exact Gaussian drift have the mean and covariance the moment law
// predicts (a correlated 2-D Gaussian coupling, σ² = 1.3, coarse grid so the law differs from p₁).
TEST(EmMoments, ParticlesFollowMomentPropagation) {
  Square S0(2, 2), S1(2, 2), C(2, 2);
  S0 << 1.0, 0.3, 0.3, 0.7;
  S1 << 0.5, -0.2, -0.2, 1.2;
  C << 0.2, 0.1, -0.15, 0.3;
  Vec m0(2), m1(2);
  m0 << 0.0, 1.0;
  m1 << 2.0, -1.0;
  const dist::Gaussian src(m0, S0);
  const auto p = std::make_shared<path::GaussianMixturePath>(
      path::GaussianMixturePath::gaussian_coupling(src, dist::Gaussian(m1, S1), C, 1.3));
  const Grid g = grid_g1(6);
  const GaussianLaw law = em_gaussian_law(exact_affine_drift(p), 1.3, {m0, S0}, g);
  Rng rng(21, "em/x0"), noise(21, "em/noise");
  const Index n = 200000;
  field::MixturePathField drift(p, path::FieldKind::Drift);
  const EmResult r = euler_maruyama(drift, 1.3, src.sample(n, rng), g, noise);
  EXPECT_EQ(r.steps, g.steps());
  EXPECT_EQ(r.brief(), "euler-maruyama complete: " + std::to_string(n) + " points, " + std::to_string(g.steps()) + " steps");
  const Vec mean = r.x.colwise().mean();
  const Mat c = r.x.rowwise() - mean.transpose();
  const Square cov = (c.transpose() * c) / static_cast<double>(n - 1);
  // Monte-Carlo tolerances: ~5 standard errors.
  EXPECT_LT((mean - law.mean).cwiseAbs().maxCoeff(), 5 * std::sqrt(law.cov.diagonal().maxCoeff() / n));
  EXPECT_LT((cov - law.cov).cwiseAbs().maxCoeff(), 5 * law.cov.cwiseAbs().maxCoeff() * std::sqrt(2.0 / n));
  // And the coarse grid really is biased away from the exact marginal S1 (the test can fail).
  EXPECT_GT((law.cov - S1).cwiseAbs().maxCoeff(), 1e-3);
}

}  // namespace
