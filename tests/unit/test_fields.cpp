// Fields (field/): perturbation calibration against the closed forms of theory/kl_bound.md §4,
// perturbed-field derivatives, and model spec validation.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/perturbed_field.hpp"
#include "support/fd.hpp"

using namespace fm;
using fm::cfg::json;

namespace {

const char* kMixture = R"({"type":"gmm","weights":[0.4,0.3,0.2,0.1],"means":[[3,0],[-3,0],[0,3],[0,-3]],
                          "stds":[0.3,0.5,0.7,1.0]})";

json model_with(const std::string& pert) {
  json m = {{"field", "exact"}, {"target", json::parse(kMixture)}};
  if (!pert.empty()) m["perturbation"] = json::parse(pert);
  return m;
}

// Σ_k π_k(‖μ_k‖² + d(1 + σ_k²)) for the mixture above (d = 2).
double mixture_moment_sum() {
  const double pi[] = {0.4, 0.3, 0.2, 0.1}, s[] = {0.3, 0.5, 0.7, 1.0};
  double sum = 0;
  for (int k = 0; k < 4; ++k) sum += pi[k] * (9 + 2 * (1 + s[k] * s[k]));
  return sum;
}

TEST(Perturbation, GmmLinearAndSineEpsClosedForms) {
  const double beta = 0.07;
  const auto lin = field::make_analytic_model(model_with(R"({"type":"linear","scale":0.07})"));
  EXPECT_NEAR(lin.eps * lin.eps, beta * beta / 3 * mixture_moment_sum(), 1e-12);
  const auto sine = field::make_analytic_model(model_with(R"({"type":"sine","scale":0.07})"));
  EXPECT_NEAR(sine.eps * sine.eps, beta * beta * (1.0 / 6 - 1 / (16 * M_PI * M_PI)) * mixture_moment_sum(), 1e-12);
}

TEST(Perturbation, CalibrationHitsRequestedEps) {
  for (const char* type : {"constant", "linear", "sine", "time_local"}) {
    const auto m = field::make_analytic_model(model_with(std::string(R"({"type":")") + type + R"(","eps":0.25})"));
    EXPECT_NEAR(m.eps, 0.25, 1e-12) << type;
    EXPECT_GT(m.beta, 0) << type;
  }
  const auto c = field::make_analytic_model(model_with(R"({"type":"constant","eps":0.3})"));
  EXPECT_NEAR(c.beta, 0.3, 1e-14);  // ε² = β² T with T = 1
  const auto w = field::make_analytic_model(model_with(R"({"type":"time_local","eps":0.3,"window":[0.8,1.0]})"));
  EXPECT_NEAR(w.beta, 0.3 / std::sqrt(0.2), 1e-12);
}

// The E2A check value of kl_bound.md §6: a1, constant δ = 0.1 gives ε = 0.204279 in d = 2.
TEST(Perturbation, ScheduleE2ACheckValue) {
  const auto m = field::make_analytic_model(
      json::parse(R"({"field":"exact","target":{"type":"schedule","name":"a1","dim":2},
                      "perturbation":{"type":"linear","scale":0.1}})"));
  EXPECT_NEAR(m.eps, 0.204279, 5e-7);
  const auto inv = field::make_analytic_model(
      json::parse(R"({"field":"exact","target":{"type":"schedule","name":"a1","dim":2},
                      "perturbation":{"type":"linear","eps":0.204279}})"));
  EXPECT_NEAR(inv.beta, 0.1, 1e-6);
}

TEST(Perturbation, PerturbedDerivativesStayExact) {
  for (const char* p : {R"({"type":"linear","scale":0.3})", R"({"type":"sine","scale":0.3})",
                        R"({"type":"constant","scale":0.3})", R"({"type":"time_local","scale":0.3})"}) {
    const auto m = field::make_analytic_model(model_with(p));
    Rng rng(2, "pf");
    const Mat x = rng.normal(10, 2) * 2;
    const double t = 0.45;
    Derivs ev;
    m.velocity->evaluate(x, t, kAll, ev);
    const Mat jfd = fmtest::fd_jacobian([&](const Mat& y) { return m.velocity->value(y, t); }, x, 1e-5);
    EXPECT_LT(fmtest::max_rel(ev.jac, jfd), 1e-8) << p;
    const Mat gfd = fmtest::fd_gradient([&](const Mat& y) { return m.velocity->divergence(y, t); }, x, 1e-5);
    EXPECT_LT(fmtest::max_rel(ev.grad_div, gfd), 1e-6) << p;
  }
}

TEST(AnalyticModel, RejectsInconsistentSpecs) {
  auto msg = [](const std::string& s) {
    try {
      field::make_analytic_model(json::parse(s));
    } catch (const fm::Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(msg(R"({"field":"exact","source":{"type":"gaussian","mean":[0,0,0],"std":1},
                    "target":{"type":"gaussian","mean":[1,1],"std":1}})"),
            "model: source has dimension 3 but target has dimension 2");
  EXPECT_EQ(msg(R"({"field":"exact","target":{"type":"gaussian","mean":[1,1],"std":1},
                    "interpolant":{"type":"bridge","sigma2":0}})"),
            "model.interpolant.sigma2: expected a positive number, got 0.000000");
  EXPECT_EQ(msg(R"({"field":"exact","target":{"type":"toy2d","name":"moons"}})"),
            "model.target: an exact field needs a gaussian, gmm, 8gaussians, schedule or holder target");
  EXPECT_EQ(msg(R"({"field":"exact","target":{"type":"gaussian","mean":[1,1],"std":1},
                    "perturbation":{"type":"linear","eps":-1}})"),
            "model.perturbation.eps: expected a number >= 0, got -1.000000");
  EXPECT_EQ(msg(R"({"field":"exact","target":{"type":"gaussian","mean":[1,1],"std":1},"perturbaton":{}})"),
            "unknown key 'perturbaton' in model; did you mean 'perturbation'?");
}

TEST(AnalyticModel, BridgeModelHasDriftAndVelocity) {
  const auto m = field::make_analytic_model(json::parse(
      R"({"field":"exact","target":{"type":"gaussian","mean":[2],"std":0.5},"interpolant":{"type":"bridge","sigma2":1}})"));
  ASSERT_TRUE(m.drift);
  // I2: b = u + (σ²/2) ∇log p_t.
  Rng rng(4, "b");
  const Mat x = rng.normal(5, 1);
  const double t = 0.4;
  const Mat diff = m.drift->value(x, t) - m.velocity->value(x, t) - 0.5 * m.score_p(t, x);
  EXPECT_LT(diff.cwiseAbs().maxCoeff(), 1e-12);
}

}  // namespace
