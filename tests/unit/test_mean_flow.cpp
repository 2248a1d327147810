// Mean flows (theory/sdfm_variants.md §2): the closed-form Gaussian average velocity against the
// ODE, the mean-flow identity U = v + (s − t) d/dt U on an exact mixture field, the two-time MLP's
// forward-mode JVP (the training target) against finite differences for every activation, the
// k-step sampler, and a trained mean-flow model against the closed form.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/gaussian_average_velocity.hpp"
#include "fmkit/field/mlp_mean_flow.hpp"
#include "fmkit/integrate/mean_flow.hpp"
#include "fmkit/metrics/wasserstein.hpp"
#include "fmkit/nn/mlp.hpp"
#include "fmkit/train/trainer.hpp"
#include "support/fd.hpp"

using namespace fm;
using fm::cfg::json;

namespace {

const integrate::Dopri5Options kTight{1e-10, 1e-12, 100000, 0};

// (a) The affine Gaussian flow: the closed-form U equals the ODE's average velocity of the exact
// marginal field, on intervals of every length, and U(x, t, t) is that field.
TEST(MeanFlow, GaussianClosedFormEqualsTheOdeAverage) {
  const json target = {{"type", "gaussian"}, {"mean", {1.5, -0.5}}, {"std", 0.4}};
  const field::Model exact = field::make_analytic_model({{"field", "exact"}, {"target", target}});
  // A named vector, not a Map of a temporary: GCC 12 warns falsely (-Warray-bounds, AVX-512) on that.
  Vec mean(2);
  mean << 1.5, -0.5;
  const field::GaussianAverageVelocity closed(mean, Vec::Constant(2, 0.4));
  Rng rng(3, "test/mf-points");
  const Mat x = rng.normal(50, 2);
  for (const auto& [t, s] : {std::pair{0.0, 1.0}, {0.0, 0.25}, {0.3, 0.9}, {0.7, 0.7}, {0.95, 1.0}}) {
    const Mat ode = integrate::ode_average_velocity(*exact.velocity, x, t, s, kTight);
    const Mat cf = closed.average(x, Vec::Constant(50, t), Vec::Constant(50, s));
    EXPECT_LT(fmtest::max_abs(ode - cf), 1e-7) << t << " " << s;
  }
  EXPECT_LT(fmtest::max_abs(closed.velocity(x, 0.4) - exact.velocity->value(x, 0.4)), 1e-12);
  // One exact mean-flow step carries N(0, I) to the target: x₁ = m + σ x₀.
  const Mat one = integrate::sample_mean_flow(closed, x, 1);
  const Mat expect = (x * 0.4).rowwise() + Eigen::RowVector2d(1.5, -0.5);
  EXPECT_LT(fmtest::max_abs(one - expect), 1e-12);
  EXPECT_LT(fmtest::max_abs(integrate::sample_mean_flow(closed, x, 4) - expect), 1e-12);  // affine: any k
}

// (b) The identity on a field with no closed-form flow (a three-component mixture): U by the ODE,
// and d/dt U(x_t, t, s) by central differences along the trajectory through x_t.
TEST(MeanFlow, IdentityHoldsOnAnExactMixtureField) {
  const json target = {{"type", "gmm"},
                       {"weights", {0.5, 0.3, 0.2}},
                       {"means", {{3.0, 0.0}, {-2.0, 2.0}, {-1.0, -3.0}}},
                       {"stds", {0.5, 0.8, 0.3}}};
  const field::Model exact = field::make_analytic_model({{"field", "exact"}, {"target", target}});
  ASSERT_TRUE(exact.velocity);
  const field::VelocityField& v = *exact.velocity;
  Rng rng(5, "test/mf-identity");
  const Mat x = rng.normal(40, 2) * 1.5;
  const double h = 1e-4;
  for (const auto& [t, s] : {std::pair{0.2, 0.8}, {0.05, 1.0}, {0.5, 0.6}}) {
    const Mat U = integrate::ode_average_velocity(v, x, t, s, kTight);
    // Points on the trajectory through x at t ± h, and U from there.
    const Mat xp = x + h * integrate::ode_average_velocity(v, x, t, t + h, kTight);
    // Backward along the flow: solve from t to t − h (Dopri5 integrates either direction).
    Mat back = x;
    const integrate::Rhs rhs = [&v](double tau, const Mat& z, Mat& dz) { dz = v.value(z, tau); };
    ASSERT_EQ(integrate::dopri5(rhs, back, t, t - h, kTight).status, Status::Converged);
    const Mat dUdt = (integrate::ode_average_velocity(v, xp, t + h, s, kTight) -
                      integrate::ode_average_velocity(v, back, t - h, s, kTight)) / (2 * h);
    const Mat rhs_identity = v.value(x, t) + (s - t) * dUdt;
    EXPECT_LT(fmtest::max_abs(U - rhs_identity), 2e-5) << t << " " << s;
  }
}

nn::Mlp two_time_mlp(nn::Activation act) {
  nn::MlpSpec s;
  s.dim = 3;
  s.hidden = {16, 12};
  s.activation = act;
  s.embedding.frequencies = 3;
  s.embedding.f_max = 4;
  s.times = 2;
  nn::Mlp m(s);
  Rng rng(static_cast<std::uint64_t>(act) + 11, "test/mf-mlp");
  m.init(rng);
  m.params() *= 2.0;
  return m;
}

// The training target's JVP: the tangent of U_θ along (dx, dt, ds) equals central differences,
// for every activation; and U(x, t, t) is what the net gives as a velocity field.
TEST(MeanFlow, JvpMatchesFiniteDifferencesForEveryActivation) {
  for (nn::Activation act : {nn::Activation::Silu, nn::Activation::Selu, nn::Activation::Tanh, nn::Activation::Softplus}) {
    const nn::Mlp m = two_time_mlp(act);
    Rng rng(7, "test/mf-jvp");
    const Mat x = rng.normal(9, 3), dx = rng.normal(9, 3);
    Vec t(9), s(9), dt(9), ds(9);
    for (Index i = 0; i < 9; ++i) {
      t[i] = 0.1 * static_cast<double>(i % 5);
      s[i] = t[i] + 0.05 * static_cast<double>(i);
      dt[i] = 1.0 - 0.1 * static_cast<double>(i);
      ds[i] = 0.3 * static_cast<double>(i % 3);
    }
    Mat tangent;
    const Mat value = m.forward_jvp(x, t, s, dx, dt, ds, tangent);
    EXPECT_LT(fmtest::max_abs(value - m.forward(x, t, s)), 1e-12);
    const double h = 1e-5;
    const Mat fd = (m.forward(x + h * dx, t + h * dt, s + h * ds) - m.forward(x - h * dx, t - h * dt, s - h * ds)) / (2 * h);
    EXPECT_LT(fmtest::max_rel(tangent, fd), 1e-6) << nn::to_string(act);
    // The mean-flow direction (v, 1, 0): the target v + (s − t)(∇_x U·v + ∂_t U).
    EXPECT_LT(fmtest::max_abs(m.forward(x, t, t) - m.forward(x, t)), 1e-12);  // U(x, t, t) = v(x, t)
  }
}

// The objective: a mean-flow model trained on N(m, 0.5² I) with independent pairs learns the
// closed-form U. Measured after 6000 steps: RMS error of U(x, 0, 1) 0.24 over N(0, I) draws, where
// U itself has RMS norm √3 ≈ 1.7 (what a net near 0 misses by); one-step samples at W2 0.26 from
// the target (samples left at N(0, I) are √3 ≈ 1.7 away). Long intervals are learned last (the target
// bootstraps from the JVP of the net), so the bar is set on the one-step map, the hardest case.
TEST(MeanFlow, TrainedModelMatchesTheClosedForm) {
  train::TrainSpec spec = train::default_train_spec();
  spec.target = {{"type", "gaussian"}, {"mean", {1.5, -0.5}}, {"std", 0.5}};
  spec.objective = train::Objective::parse({{"type", "meanflow"}});
  spec.train.steps = 6000;
  spec.train.eval_every = 2000;
  spec.train.ema = 0.99;
  spec.train.val_size = 512;
  spec.model.hidden = {64, 64};
  train::Trainer tr(spec);
  const train::TrainResult r = tr.run("", {"test", 0});
  ASSERT_TRUE(r.ok()) << r.brief();
  const nn::Mlp net = tr.ema_mlp();
  Vec mean(2);  // named, as above
  mean << 1.5, -0.5;
  const field::GaussianAverageVelocity closed(mean, Vec::Constant(2, 0.5));
  Rng rng(9, "test/mf-eval");
  const Mat x0 = rng.normal(1000, 2);
  const Vec zero = Vec::Zero(1000), one = Vec::Ones(1000);
  const Mat err = net.forward(x0, zero, one) - closed.average(x0, zero, one);
  const double rms = std::sqrt(err.squaredNorm() / 1000.0);
  EXPECT_LT(rms, 0.35) << rms;
  const Mat samples = integrate::sample_mean_flow(field::MlpMeanFlow(std::make_shared<nn::Mlp>(net)), x0, 1);
  Rng trng(10, "test/mf-target");
  const Mat y = (trng.normal(1000, 2) * 0.5).rowwise() + Eigen::RowVector2d(1.5, -0.5);
  EXPECT_LT(metrics::w2_exact(samples, y).w2, 0.35);
  EXPECT_EQ(tr.spec().model.times, 2);  // the objective made the network two-time
}

}  // namespace
