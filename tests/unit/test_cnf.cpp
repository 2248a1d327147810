// CNF log-density and score by the augmented backward ODE (integrate/cnf).
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/integrate/cnf.hpp"
#include "fmkit/integrate/flow.hpp"

using namespace fm;

namespace {

// The default mixture of theory/kl_bound.md (toolkit extensions), embedded in d dimensions.
std::shared_ptr<path::GaussianMixturePath> kl_mixture(Index d) {
  Vec w(4);
  w << 0.4, 0.3, 0.2, 0.1;
  const double stds[] = {0.3, 0.5, 0.7, 1.0};
  std::vector<dist::Gaussian> comps;
  for (int k = 0; k < 4; ++k) {
    Vec mu = Vec::Zero(d);
    mu[k / 2] = k % 2 == 0 ? 3.0 : -3.0;
    comps.push_back(dist::Gaussian::isotropic(mu, stds[k]));
  }
  return std::make_shared<path::GaussianMixturePath>(
      path::GaussianMixturePath::independent(dist::Gaussian::standard(d), dist::GaussianMixture(w, comps), 0.0));
}

class CnfMixture : public ::testing::TestWithParam<Index> {};

TEST_P(CnfMixture, LogDensityAndScoreMatchClosedForm) {
  const Index d = GetParam();
  auto p = kl_mixture(d);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  const dist::Gaussian src = dist::Gaussian::standard(d);
  Rng rng(3, "test/cnf", static_cast<std::uint64_t>(d));
  const Mat x = p->sample(1.0, d == 2 ? 200 : 64, rng);
  integrate::CnfOptions o;
  o.ode.rtol = 1e-8;
  o.ode.atol = 1e-10;
  const auto r = integrate::cnf_log_density(u, src, x, 1.0, o);
  EXPECT_LT((r.log_q - p->log_density(1.0, x)).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((r.score - p->score(1.0, x)).cwiseAbs().maxCoeff(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Dims, CnfMixture, ::testing::Values(2, 8));

TEST(Cnf, IntermediateTimeMatchesPathMarginal) {
  auto p = kl_mixture(2);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  Rng rng(4, "test/cnf-t");
  for (double t : {0.3, 0.7}) {
    const Mat x = p->sample(t, 100, rng);
    const auto r = integrate::cnf_log_density(u, dist::Gaussian::standard(2), x, t, {});
    EXPECT_LT((r.log_q - p->log_density(t, x)).cwiseAbs().maxCoeff(), 1e-5) << t;
  }
}

// v = c(t)x with C(t) = ∫c: q_t = N(0, e^{2C} I), score −e^{−2C}x (kl_bound.md §3 unit check).
TEST(Cnf, LinearFieldClosedForm) {
  const dist::Schedule s("a1");
  for (Index d : {2, 5}) {
    field::ScheduleField v(s, d);
    Rng rng(8, "test/cnf-lin");
    for (double t : {0.1, 0.3, 0.5, 0.7, 0.9, 1.0}) {
      const Mat x = rng.normal(50, d) * 1.5;
      const auto r = integrate::cnf_log_density(v, dist::Gaussian::standard(d), x, t, {});
      const double C = s.A(t), dd = static_cast<double>(d);
      const Vec logq = (-0.5 * dd * std::log(2 * M_PI) - dd * C -
                        0.5 * x.rowwise().squaredNorm().array() * std::exp(-2 * C)).matrix();
      EXPECT_LT((r.log_q - logq).cwiseAbs().maxCoeff(), 1e-5);
      EXPECT_LT((r.score + x * std::exp(-2 * C)).cwiseAbs().maxCoeff(), 1e-5);
    }
  }
}

TEST(Cnf, ScoreMatchesFiniteDifferenceOfOwnLogDensity) {
  auto p = kl_mixture(2);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  Rng rng(12, "test/cnf-fd");
  const Mat x = p->sample(1.0, 20, rng);
  integrate::CnfOptions o;
  o.ode.rtol = 1e-10;
  o.ode.atol = 1e-12;
  const auto r = integrate::cnf_log_density(u, dist::Gaussian::standard(2), x, 1.0, o);
  o.score = false;
  const double h = 1e-4;
  for (Index b = 0; b < 2; ++b) {
    Mat xp = x, xm = x;
    xp.col(b).array() += h;
    xm.col(b).array() -= h;
    const Vec fd = (integrate::cnf_log_density(u, dist::Gaussian::standard(2), xp, 1.0, o).log_q -
                    integrate::cnf_log_density(u, dist::Gaussian::standard(2), xm, 1.0, o).log_q) /
                   (2 * h);
    EXPECT_LT((r.score.col(b) - fd).cwiseAbs().maxCoeff(), 1e-6);
  }
}

TEST(Cnf, StepLimitIsAnError) {
  auto p = kl_mixture(2);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  integrate::CnfOptions o;
  o.ode.max_steps = 2;
  Rng rng(1, "x");
  EXPECT_THROW(integrate::cnf_log_density(u, dist::Gaussian::standard(2), p->sample(1.0, 4, rng), 1.0, o), fm::Error);
}

TEST(Cnf, BitIdenticalAcrossThreadCounts) {
  auto p = kl_mixture(2);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  Rng rng(2, "threads");
  const Mat x = p->sample(1.0, 300, rng);
  set_threads(1);
  const auto a = integrate::cnf_log_density(u, dist::Gaussian::standard(2), x, 1.0, {});
  set_threads(2);
  const auto b = integrate::cnf_log_density(u, dist::Gaussian::standard(2), x, 1.0, {});
  EXPECT_EQ(a.log_q, b.log_q);
  EXPECT_EQ(a.score, b.score);
}

// Pushing p_0 samples through the exact flow lands on p_1: compare the first two moments.
TEST(Flow, ExactMixtureFlowReachesTargetMoments) {
  auto p = kl_mixture(2);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  Rng rng(6, "flow");
  const Mat x0 = rng.normal(20000, 2);
  integrate::FlowOptions o;
  const auto r = integrate::integrate_flow(u, x0, 0.0, 1.0, o);
  const Vec mean = r.x.colwise().mean();
  const Vec expect = p->mean(1.0);
  EXPECT_LT((mean - expect).norm(), 4 * std::sqrt(p->second_moment(1.0) / 20000.0));
  EXPECT_NEAR(r.x.squaredNorm() / 20000.0, p->second_moment(1.0), 0.1);
}

}  // namespace
