// The exact discrete-target field (theory/sdfm.md §7): the defining identity v_t(X_t) = E[X1 − X0 | X_t]
// by Monte Carlo against pairs drawn from the coupling itself; exact straightness of ε = 0 flows;
// I-FM's one-step collapse onto the mean; agreement with the SD module's softmax at t = 0.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/estimate.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/dist/atoms.hpp"
#include "fmkit/field/discrete_oracle_field.hpp"
#include "fmkit/integrate/flow.hpp"
#include "fmkit/metrics/straightness.hpp"
#include "fmkit/ot/semidiscrete.hpp"

using namespace fm;

namespace {

struct Problem {
  Mat y;
  Vec b, g;
};

// 20 atoms in 2-D, Dirichlet weights, a deliberately non-optimal potential.
Problem problem() {
  const dist::Atoms a = dist::random_atoms(20, 2, "dirichlet", 3, "test");
  Rng rng(4, "oracle-g");
  return {2.0 * a.points(), a.weights(), 0.5 * rng.normal(20, 1).col(0)};
}

// Mean and standard error of ⟨v(X_t) − (y_J − X0), h(X_t)⟩ over pairs (X0, J) drawn from `coupling`
// and evaluated with `field`, h(x) = (x₁, sin x₂): zero in expectation iff field = E[X1 − X0 | X_t].
std::pair<double, double> identity_gap(const field::DiscreteOracleField& coupling,
                                       const field::DiscreteOracleField& field, const Mat& y, double t) {
  const Index n = 200000;
  Rng rng(5, "oracle-mc", static_cast<std::uint64_t>(t * 1000));
  const Mat x0 = rng.normal(n, 2);
  const auto j = coupling.draw_atoms(x0, rng);
  Mat x1(n, 2);
  for (Index i = 0; i < n; ++i) x1.row(i) = y.row(j[static_cast<std::size_t>(i)]);
  const Mat xt = (1 - t) * x0 + t * x1;
  const Mat gap = field.value(xt, t) - (x1 - x0);
  Vec z(n);
  for (Index i = 0; i < n; ++i) z[i] = gap(i, 0) * xt(i, 0) + gap(i, 1) * std::sin(xt(i, 1));
  const Estimate e = mean_se(z);
  return {e.value, e.se};
}

TEST(DiscreteOracleField, IsTheConditionalVelocityOfItsCoupling) {
  const Problem p = problem();
  const field::DiscreteOracleField indep(p.y, p.b), sd0(p.y, p.b, p.g, 0.0), sd1(p.y, p.b, p.g, 0.3);
  for (double t : {0.0, 0.3, 0.8}) {
    for (const auto* f : {&indep, &sd0, &sd1}) {
      const auto [mean, se] = identity_gap(*f, *f, p.y, t);
      EXPECT_LT(std::abs(mean), 4 * se + 1e-12) << f->name() << " t=" << t;
    }
  }
  // The test can fail: the I-FM field is not the conditional velocity of the SD coupling.
  const auto [mean, se] = identity_gap(sd0, indep, p.y, 0.3);
  EXPECT_GT(std::abs(mean), 10 * se);
}

TEST(DiscreteOracleField, HardSemidiscreteFlowIsStraightForAnyPotential) {
  const Problem p = problem();
  const field::DiscreteOracleField f(p.y, p.b, p.g, 0.0);
  Rng rng(6, "oracle-straight");
  const Mat x0 = rng.normal(2000, 2);
  Rng unused(0, "unused");
  const auto j = f.draw_atoms(x0, unused);
  Mat target(x0.rows(), 2);
  for (Index i = 0; i < x0.rows(); ++i) target.row(i) = p.y.row(j[static_cast<std::size_t>(i)]);
  integrate::FlowOptions fo;
  fo.method = integrate::Method::Euler;
  for (long nfe : {1L, 3L, 64L}) {
    fo.nfe = nfe;
    const Mat x1 = integrate::integrate_flow(f, x0, 0, 1, fo).x;
    EXPECT_LT((x1 - target).cwiseAbs().maxCoeff(), 1e-9) << "Euler " << nfe;
  }
  // The velocity is constant along each path: y_j − x₀ at every t < 1.
  for (double t : {0.25, 0.9, 0.999}) {
    const Mat xt = (1 - t) * x0 + t * target;
    EXPECT_LT((f.value(xt, t) - (target - x0)).cwiseAbs().maxCoeff(), 1e-7) << "t=" << t;
  }
  const auto st = metrics::straightness_euler(f, x0.topRows(300), 256);
  EXPECT_LT(st.curv_ott, 1e-16);
  EXPECT_LT(st.s_liu, 1e-14);
  EXPECT_NEAR(st.transport_cost, (target - x0).topRows(300).rowwise().squaredNorm().mean(), 1e-9);
}

TEST(DiscreteOracleField, IndependentOneStepLandsOnTheMeanAndCurves) {
  const Problem p = problem();
  const field::DiscreteOracleField f(p.y, p.b);
  Rng rng(7, "oracle-ifm");
  const Mat x0 = rng.normal(500, 2);
  integrate::FlowOptions fo;
  fo.method = integrate::Method::Euler;
  fo.nfe = 1;
  const Mat x1 = integrate::integrate_flow(f, x0, 0, 1, fo).x;
  const Vec mean = p.y.transpose() * p.b;
  for (Index i = 0; i < x1.rows(); ++i) EXPECT_LT((x1.row(i).transpose() - mean).norm(), 1e-12);
  EXPECT_GT(metrics::straightness_euler(f, x0.topRows(200), 256).curv_ott, 1e-2);
}

TEST(DiscreteOracleField, SoftmaxAtTimeZeroMatchesTheSemidiscreteModule) {
  const Problem p = problem();
  const field::DiscreteOracleField f(p.y, p.b, p.g, 0.2);
  Rng rng(8, "oracle-t0");
  const Mat x = rng.normal(50, 2);
  EXPECT_LT((f.posterior(x, 0.0) - ot::cell_weights(x, p.y, p.g, p.b, 0.2)).cwiseAbs().maxCoeff(), 1e-12);
  const Mat w = f.posterior(x, 0.7);
  EXPECT_LT((w.rowwise().sum().array() - 1).abs().maxCoeff(), 1e-12);
}

// The posterior straight from its definition, w_j ∝ φ(x₀⁽ʲ⁾) κ_j(x₀⁽ʲ⁾), with κ the plain softmax at each
// x₀⁽ʲ⁾ (no Gram-matrix shortcut, no vectorised reductions), one atom of weight 0: the field must
// agree to rounding at every time and ε, including ε small enough that κ is nearly one-hot.
TEST(DiscreteOracleField, SoftPosteriorMatchesTheDirectFormula) {
  Problem p = problem();
  p.b[3] = 0;
  p.b /= p.b.sum();
  Rng rng(9, "oracle-direct");
  const Mat x = 1.5 * rng.normal(40, 2);
  for (double eps : {1.0, 0.05, 0.002}) {
    const field::DiscreteOracleField f(p.y, p.b, p.g, eps);
    for (double t : {0.0, 0.4, 0.9}) {
      const Mat w = f.posterior(x, t);
      for (Index i = 0; i < x.rows(); ++i) {
        Vec lw(p.y.rows());
        for (Index j = 0; j < p.y.rows(); ++j) {
          const Vec x0 = (x.row(i) - t * p.y.row(j)).transpose() / (1 - t);
          const Vec score = (p.b.array().log() + (p.g + p.y * x0).array() / eps).matrix();
          const double lse = score.maxCoeff() + std::log((score.array() - score.maxCoeff()).exp().sum());
          lw[j] = -0.5 * x0.squaredNorm() + score[j] - lse;
        }
        const Vec direct = (lw.array() - lw.maxCoeff()).exp().matrix();
        const Vec expect = direct / direct.sum();
        EXPECT_LT((w.row(i).transpose() - expect).cwiseAbs().maxCoeff(), 1e-9) << "eps=" << eps << " t=" << t;
        EXPECT_EQ(w(i, 3), 0.0);
      }
    }
  }
}

TEST(DiscreteOracleField, RefusesTimeOneAndDerivatives) {
  const Problem p = problem();
  const field::DiscreteOracleField f(p.y, p.b);
  EXPECT_THROW(f.value(Mat::Zero(3, 2), 1.0), Error);
  EXPECT_THROW(f.jacobian(Mat::Zero(3, 2), 0.5), Error);
  EXPECT_THROW(field::DiscreteOracleField(p.y, p.b, p.g, -1.0), Error);
}

TEST(Atoms, DirichletWeightsAndSamplingFrequencies) {
  const dist::Atoms a = dist::random_atoms(10, 3, "dirichlet", 1, "test");
  EXPECT_NEAR(a.weights().sum(), 1.0, 1e-12);
  EXPECT_FALSE(a.uniform());
  EXPECT_LE(a.points().cwiseAbs().maxCoeff(), 1.0);
  Rng rng(2, "atoms-sample");
  const Index n = 100000;
  const Mat s = a.sample(n, rng);
  double chi2 = 0;  // Pearson statistic, 9 degrees of freedom: 27.9 is the 0.001 quantile
  for (Index j = 0; j < 10; ++j) {
    double c = 0;
    for (Index i = 0; i < n; ++i) c += (s.row(i) - a.points().row(j)).squaredNorm() == 0;
    const double e = n * a.weights()[j];
    chi2 += (c - e) * (c - e) / e;
  }
  EXPECT_LT(chi2, 27.9);
  EXPECT_THROW(dist::random_atoms(10, 3, "zipf", 1, "x"), Error);
}

}  // namespace
