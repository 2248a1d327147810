// The 1-D quadrature path against the closed-form mixture path, and, for the holder family (no
// closed form), against identities every exact path satisfies.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/quadrature.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/path/density_path_1d.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

using namespace fm;

TEST(DensityPath1d, QuadratureVelocityEqualsTheClosedFormMixtureVelocity) {
  // theory/tv_rate.md's 1-D smooth target ½N(−2, 0.5²) + ½N(2, 0.5²), plus an asymmetric one.
  for (const char* spec : {R"({"type":"gmm","weights":[0.5,0.5],"means":[[-2],[2]],"stds":[0.5,0.5]})",
                           R"({"type":"gmm","weights":[0.7,0.3],"means":[[-1],[3]],"stds":[0.3,1.2]})"}) {
    const auto target = dist::make_distribution(cfg::json::parse(spec), "target");
    const auto q = path::DensityPath1d::of(target);
    const auto exact = path::GaussianMixturePath::independent(dist::Gaussian::standard(1), *dist::as_mixture(target), 0.0);
    Mat x(41, 1);
    for (Index i = 0; i < x.rows(); ++i) x(i, 0) = -5 + 0.25 * static_cast<double>(i);
    for (double t : {0.0, 0.1, 0.3, 0.4999, 0.5, 0.7, 0.9, 0.99, 0.9995, 1.0}) {
      Derivs d;
      exact.evaluate(t, path::FieldKind::Velocity, x, kValue, d);
      const Vec lp = exact.log_density(t, x);
      const Mat sc = exact.score(t, x);
      const Vec qlp = q.log_density(t, x);
      const Mat qv = q.velocity(t, x), qs = q.score(t, x);
      for (Index i = 0; i < x.rows(); ++i) {
        // log p_t spans hundreds of nats at t ≈ 1 in the gaps; compare relatively there.
        EXPECT_NEAR(qlp[i], lp[i], 1e-9 * std::max(1.0, std::abs(lp[i]))) << spec << " t=" << t << " x=" << x(i, 0);
        EXPECT_NEAR(qv(i, 0), d.value(i, 0), 1e-7 * std::max(1.0, std::abs(d.value(i, 0)))) << "t=" << t << " x=" << x(i, 0);
        EXPECT_NEAR(qs(i, 0), sc(i, 0), 1e-6 * std::max(1.0, std::abs(sc(i, 0)))) << "t=" << t << " x=" << x(i, 0);
      }
    }
  }
}

TEST(DensityPath1d, HolderPathSatisfiesMassMomentAndScoreIdentities) {
  // With no closed form, three identities of an exact path, by quadrature in x over p_t:
  //   ∫ p_t = 1;  E_{p_t}[u·x] = ½ d/dt E X_t² = −(1−t) + t E X1²;  E_{p_t}[score·x] = −1.
  for (double beta : {0.5, 1.0, 1.5}) {
    const auto model = field::make_analytic_model(
        cfg::json::parse(R"({"target":{"type":"holder","beta":)" + std::to_string(beta) + "}}"));
    const double m2 = model.second_moment(1.0);
    for (double t : {0.05, 0.3, 0.6, 0.9, 0.999}) {
      // 4 000 Gauss–Legendre nodes per unit interval on [−10, 10]: p_t is smooth for t < 1.
      Mat x(0, 1);
      std::vector<double> w;
      for (int k = -10; k < 10; ++k) {
        const auto r = gauss_legendre(64, k, k + 1);
        x.conservativeResize(x.rows() + 64, 1);
        for (int i = 0; i < 64; ++i) {
          x(x.rows() - 64 + i, 0) = r.nodes[static_cast<std::size_t>(i)];
          w.push_back(r.weights[static_cast<std::size_t>(i)]);
        }
      }
      const Vec lp = model.log_p(t, x);
      const Mat u = model.velocity->value(x, t);
      const Mat s = model.score_p(t, x);
      double mass = 0, ux = 0, sx = 0;
      for (Index i = 0; i < x.rows(); ++i) {
        const double p = std::exp(lp[i]) * w[static_cast<std::size_t>(i)];
        mass += p;
        ux += p * u(i, 0) * x(i, 0);
        sx += p * s(i, 0) * x(i, 0);
      }
      // Near t = 1 the density is nearly p itself, whose kink at 0 limits the fixed x-rule.
      const double tol = t > 0.95 ? 2e-4 : 1e-8;
      EXPECT_NEAR(mass, 1.0, tol) << beta << " t=" << t;
      EXPECT_NEAR(ux, -(1 - t) + t * m2, tol) << beta << " t=" << t;
      EXPECT_NEAR(sx, -1.0, tol) << beta << " t=" << t;
    }
  }
}

TEST(DensityPath1d, RefusesDerivativesAndNonOneDimensionalTargets) {
  const auto model = field::make_analytic_model(cfg::json::parse(R"({"target":{"type":"holder","beta":1}})"));
  EXPECT_THROW(model.velocity->divergence(Mat::Zero(2, 1), 0.5), Error);
  EXPECT_THROW(path::DensityPath1d::of(dist::make_distribution(
                   cfg::json::parse(R"({"type":"gaussian","mean":[0,0]})"), "target")),
               Error);
  EXPECT_THROW(field::make_analytic_model(
                   cfg::json::parse(R"({"target":{"type":"holder","beta":1},"interpolant":{"type":"bridge"}})")),
               Error);
}
