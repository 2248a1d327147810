// Closed-form path fields (path/) against finite differences and their PDEs.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"
#include "support/fd.hpp"

using namespace fm;
using fm::path::FieldKind;
using fm::path::GaussianMixturePath;
using fmtest::fd_gradient;
using fmtest::fd_jacobian;
using fmtest::max_rel;

namespace {

Square random_spd(Index d, Rng& rng, double lo = 0.2) {
  Square a(d, d);
  for (Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
  Square s = a * a.transpose() / static_cast<double>(d);
  s.diagonal().array() += lo;
  return s;
}

// A random K-component mixture with full covariances and a non-standard Gaussian source.
GaussianMixturePath random_path(Index d, int K, double sigma2, Rng& rng) {
  std::vector<dist::Gaussian> comps;
  Vec w(K);
  for (int k = 0; k < K; ++k) {
    Vec mu(d);
    for (Index i = 0; i < d; ++i) mu[i] = 2.0 * rng.normal();
    comps.emplace_back(mu, random_spd(d, rng));
    w[k] = 0.5 + rng.uniform();
  }
  w /= w.sum();
  Vec m0(d);
  for (Index i = 0; i < d; ++i) m0[i] = 0.3 * rng.normal();
  dist::Gaussian src(m0, random_spd(d, rng, 0.5));
  return GaussianMixturePath::independent(src, dist::GaussianMixture(w, comps), sigma2);
}

struct Case {
  Index d;
  double sigma2;
  FieldKind kind;
};

std::ostream& operator<<(std::ostream& o, const Case& c) {
  const char* k[] = {"velocity", "drift", "score"};
  return o << k[static_cast<int>(c.kind)] << " d=" << c.d << " sigma2=" << c.sigma2;
}

class PathDerivatives : public ::testing::TestWithParam<Case> {};

TEST_P(PathDerivatives, JacobianDivergenceGradDivMatchFiniteDifferences) {
  const Case c = GetParam();
  Rng rng(11, "test/path", static_cast<std::uint64_t>(c.d));
  const GaussianMixturePath p = random_path(c.d, 4, c.sigma2, rng);
  for (double t : {0.0, 0.23, 0.5, 0.81, 1.0}) {
    if (c.kind == FieldKind::Drift && t == 1.0) continue;
    const Mat x = p.sample(t, 12, rng);
    Derivs ev;
    p.evaluate(t, c.kind, x, kAll, ev);
    auto value = [&](const Mat& y) {
      Derivs e;
      p.evaluate(t, c.kind, y, kValue, e);
      return e.value;
    };
    auto div = [&](const Mat& y) {
      Derivs e;
      p.evaluate(t, c.kind, y, kDivergence, e);
      return e.div;
    };
    const Mat jfd = fd_jacobian(value, x, 1e-5);
    EXPECT_LT(max_rel(ev.jac, jfd), 3e-8) << "Jacobian, t = " << t;
    Vec trace = Vec::Zero(x.rows());
    for (Index k = 0; k < c.d; ++k) trace += ev.jac.col(k * c.d + k);
    EXPECT_LT((ev.div - trace).cwiseAbs().maxCoeff(), 1e-10) << "div = tr J, t = " << t;
    EXPECT_LT(max_rel(ev.grad_div, fd_gradient(div, x, 1e-5)), 3e-7) << "grad div, t = " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(All, PathDerivatives,
                         ::testing::Values(Case{2, 0.0, FieldKind::Velocity}, Case{8, 0.0, FieldKind::Velocity},
                                           Case{2, 1.3, FieldKind::Drift}, Case{8, 2.0, FieldKind::Drift},
                                           Case{3, 1.0, FieldKind::Velocity}, Case{2, 0.0, FieldKind::Score},
                                           Case{8, 1.0, FieldKind::Score}));

TEST(PathScore, MatchesFiniteDifferenceOfLogDensity) {
  Rng rng(5, "test/score");
  for (Index d : {2, 8}) {
    const GaussianMixturePath p = random_path(d, 3, 0.7, rng);
    for (double t : {0.0, 0.4, 1.0}) {
      const Mat x = p.sample(t, 10, rng);
      const Mat fd = fd_gradient([&](const Mat& y) { return p.log_density(t, y); }, x, 1e-5);
      EXPECT_LT(max_rel(p.score(t, x), fd), 3e-8) << "d = " << d << ", t = " << t;
    }
  }
}

// Largest PDE residual over t = 0.05, 0.15, …, 0.85 (20 points of p_t each), relative to the
// scale of ∂_t log p; `residual` gets the central difference of log p in t.
double max_relative_residual(const GaussianMixturePath& p, Rng& rng,
                             const std::function<Vec(double, const Mat&, const Vec&)>& residual) {
  double worst = 0, scale = 0;
  for (int it = 0; it < 9; ++it) {
    const double t = 0.05 + 0.1 * it, h = 1e-5;
    const Mat x = p.sample(t, 20, rng);
    const Vec dt = (p.log_density(t + h, x) - p.log_density(t - h, x)) / (2 * h);
    worst = std::max(worst, residual(t, x, dt).cwiseAbs().maxCoeff());
    scale = std::max(scale, dt.cwiseAbs().maxCoeff());
  }
  return worst / std::max(1.0, scale);
}

// ∂_t log p + ∇·u + u·∇log p = 0 is the continuity equation divided by p.
TEST(PathPde, LinearMixtureVelocitySolvesContinuityEquation) {
  Rng rng(9, "test/continuity");
  for (Index d : {2, 8}) {
    const GaussianMixturePath p = random_path(d, 4, 0.0, rng);
    const double r = max_relative_residual(p, rng, [&](double t, const Mat& x, const Vec& dt) {
      Derivs ev;
      p.evaluate(t, FieldKind::Velocity, x, kValue | kDivergence, ev);
      return Vec(dt + ev.div + ev.value.cwiseProduct(p.score(t, x)).rowwise().sum());
    });
    EXPECT_LT(r, 1e-6) << "d = " << d;
  }
}

// Fokker–Planck over p: ∂_t log p + ∇·b + b·s − (σ²/2)(∇·s + ‖s‖²) = 0, with s = ∇log p.
TEST(PathPde, BridgeDriftSolvesFokkerPlanck) {
  Rng rng(10, "test/fp");
  for (double sigma2 : {1.0, 2.0}) {
    for (Index d : {1, 2, 8}) {
      const GaussianMixturePath p = random_path(d, 3, sigma2, rng);
      const double r = max_relative_residual(p, rng, [&](double t, const Mat& x, const Vec& dt) {
        Derivs b, s;
        p.evaluate(t, FieldKind::Drift, x, kValue | kDivergence, b);
        p.evaluate(t, FieldKind::Score, x, kValue | kDivergence, s);
        return Vec(dt + b.div + b.value.cwiseProduct(s.value).rowwise().sum() -
                   0.5 * sigma2 * (s.div + s.value.rowwise().squaredNorm()));
      });
      EXPECT_LT(r, 1e-6) << "d = " << d << ", sigma2 = " << sigma2;
    }
  }
}

// theory/kl_bound.md §4c: isotropic components, N(0,I) source, at t = 0 u = Σπμ − x.
TEST(PathClosedForms, IsotropicMixtureVelocityAtTimeZero) {
  std::vector<dist::Gaussian> comps{dist::Gaussian::isotropic(Vec::Constant(2, 3.0), 0.3),
                                    dist::Gaussian::isotropic(Vec::Constant(2, -1.0), 0.7)};
  Vec w(2);
  w << 0.25, 0.75;
  const auto p = GaussianMixturePath::independent(dist::Gaussian::standard(2), dist::GaussianMixture(w, comps), 0.0);
  Rng rng(1, "t0");
  const Mat x = rng.normal(5, 2);
  Derivs ev;
  p.evaluate(0.0, FieldKind::Velocity, x, kValue, ev);
  const Vec mean = 0.25 * Vec::Constant(2, 3.0) + 0.75 * Vec::Constant(2, -1.0);
  const Mat expect = (-x).rowwise() + mean.transpose();
  EXPECT_LT(fmtest::max_abs(ev.value - expect), 1e-12);
}

// dfm.md §3.1: drift A_1 = I − (C + σ²I) S1⁻¹, b(t, m_t) = m1 − m0, and the Lyapunov equation
// dP/dt = A P + P Aᵀ + σ² I tracks Σ_t from S0 to S1.
TEST(PathClosedForms, GaussianCouplingDriftEndpointMeanAndLyapunov) {
  Square S0(2, 2), S1(2, 2), C(2, 2);
  S0 << 1.0, 0.2, 0.2, 0.8;
  S1 << 0.6, -0.1, -0.1, 1.4;
  C << 0.3, 0.25, -0.1, 0.2;  // non-symmetric
  Vec m0(2), m1(2);
  m0 << 0.5, -0.3;
  m1 << 2.0, 1.0;
  const double sigma2 = 1.3;
  const auto p = GaussianMixturePath::gaussian_coupling(dist::Gaussian(m0, S0), dist::Gaussian(m1, S1), C, sigma2);
  const auto A = [&](double t) { return p.snapshot(t, FieldKind::Drift).comps[0].gain; };
  const Square A1 = Square::Identity(2, 2) - (C + sigma2 * Square::Identity(2, 2)) * S1.inverse();
  EXPECT_LT((A(1.0) - A1).cwiseAbs().maxCoeff(), 1e-12);
  const Square A0 = C.transpose() * S0.inverse() - Square::Identity(2, 2);
  EXPECT_LT((A(0.0) - A0).cwiseAbs().maxCoeff(), 1e-12);
  for (double t : {0.1, 0.5, 0.9}) {
    Mat mt = p.block_mean(0, t).transpose();
    Derivs ev;
    p.evaluate(t, FieldKind::Drift, mt, kValue, ev);
    EXPECT_LT((ev.value.row(0).transpose() - (m1 - m0)).norm(), 1e-12);
  }
  // RK4 on the Lyapunov equation, 4000 steps.
  Square P = S0;
  const int N = 4000;
  const double h = 1.0 / N;
  auto rhs = [&](double t, const Square& Q) {
    const Square a = A(t);
    Square r = a * Q + Q * a.transpose();
    r.diagonal().array() += sigma2;
    return r;
  };
  double worst = 0;
  for (int k = 0; k < N; ++k) {
    const double t = k * h;
    const Square k1 = rhs(t, P), k2 = rhs(t + h / 2, P + h / 2 * k1), k3 = rhs(t + h / 2, P + h / 2 * k2),
                 k4 = rhs(t + h, P + h * k3);
    P += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    if ((k + 1) % 400 == 0) worst = std::max(worst, (P - p.block_cov(0, t + h)).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst, 1e-12);
  EXPECT_LT((P - S1).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(PathValidation, RejectsNonPositiveDefiniteJointCovariance) {
  const Square I = Square::Identity(2, 2);
  EXPECT_THROW(GaussianMixturePath::gaussian_coupling(dist::Gaussian(Vec::Zero(2), I), dist::Gaussian(Vec::Zero(2), I),
                                                      1.5 * I, 1.0),
               fm::Error);
}

}  // namespace
