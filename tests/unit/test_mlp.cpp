// MLP (nn/): activations, embedding, parameter gradient, Jacobian, divergence, ∇div and ∂v/∂t
// against central finite differences, for every activation.
#include <gtest/gtest.h>

#include "fmkit/core/error.hpp"
#include "fmkit/nn/mlp.hpp"
#include "support/fd.hpp"

using namespace fm;
using namespace fm::nn;

namespace {

const Activation kActs[] = {Activation::Silu, Activation::Selu, Activation::Tanh, Activation::Softplus};

TEST(Activation, DerivativesMatchFiniteDifferences) {
  Mat a(1, 9);
  a << -6, -2.5, -1, -0.3, 0.2, 0.7, 1.5, 2.3994, 8;
  const double h = 1e-5;
  for (Activation act : kActs) {
    Mat s0, s1, s2, p, m, p1, m1;
    activate(act, a, &s0, &s1, &s2);
    activate(act, Mat(a.array() + h), &p, &p1);
    activate(act, Mat(a.array() - h), &m, &m1);
    EXPECT_LT(fmtest::max_abs((p - m) / (2 * h) - s1), 1e-9) << to_string(act);
    EXPECT_LT(fmtest::max_abs((p1 - m1) / (2 * h) - s2), 1e-8) << to_string(act);
    EXPECT_LE(s1.cwiseAbs().maxCoeff(), lipschitz(act) + 1e-9) << to_string(act);
  }
  Mat s1;
  activate(Activation::Silu, Mat::Constant(1, 1, 2.3994), nullptr, &s1);
  EXPECT_NEAR(s1(0, 0), 1.09984, 1e-5);  // the SiLU Lipschitz constant of kl_bound.md §2
}

TEST(TimeEmbedding, DerivativeMatchesFiniteDifferences) {
  TimeEmbedding e;
  e.frequencies = 5;
  const Vec t = Vec::LinSpaced(7, 0.0, 1.0);
  const double h = 1e-6;
  const Mat fd = (e.features(t.array() + h) - e.features(t.array() - h)) / (2 * h);
  EXPECT_LT(fmtest::max_rel(e.derivative(t), fd), 1e-7);
  EXPECT_EQ(e.features(t).cols(), 10);
  TimeEmbedding raw;
  raw.type = "raw";
  EXPECT_EQ(raw.features(t), Mat(t));
}

Mlp random_mlp(Index d, std::vector<Index> hidden, Activation act, const std::string& emb = "sinusoidal") {
  MlpSpec s;
  s.dim = d;
  s.hidden = std::move(hidden);
  s.activation = act;
  s.embedding.type = emb;
  s.embedding.frequencies = 3;
  s.embedding.f_max = 4;
  Mlp m(s);
  Rng rng(static_cast<std::uint64_t>(d) * 7 + static_cast<std::uint64_t>(act), "test/mlp");
  m.init(rng);
  m.params() *= 2.0;  // larger weights: more curvature, a sharper test
  return m;
}

struct MlpCase {
  Index d;
  Activation act;
  int depth;
};

class MlpDerivatives : public ::testing::TestWithParam<MlpCase> {};

TEST_P(MlpDerivatives, JacobianDivergenceGradDivAndTimeDerivative) {
  const MlpCase c = GetParam();
  const Mlp m = random_mlp(c.d, std::vector<Index>(static_cast<std::size_t>(c.depth), 24), c.act,
                           c.depth == 2 ? "raw" : "sinusoidal");
  Rng rng(3, "pts");
  const Mat x = rng.normal(9, c.d);
  Vec t(9);
  for (Index i = 0; i < 9; ++i) t[i] = rng.uniform();
  Derivs ev;
  m.evaluate(x, t, kAll, ev);
  EXPECT_LT(fmtest::max_abs(ev.value - m.forward(x, t)), 1e-12);
  auto value = [&](const Mat& y) { return m.forward(y, t); };
  auto div = [&](const Mat& y) {
    Derivs e;
    m.evaluate(y, t, kDivergence, e);
    return e.div;
  };
  // SELU has a kink at 0 (σ' jumps): keep its finite-difference step away from it by using a
  // smaller step; the other activations are smooth.
  const double h = c.act == Activation::Selu ? 1e-7 : 1e-5;
  const double tol = c.act == Activation::Selu ? 1e-5 : 1e-8;
  EXPECT_LT(fmtest::max_rel(ev.jac, fmtest::fd_jacobian(value, x, h)), tol);
  Vec trace = Vec::Zero(9);
  for (Index k = 0; k < c.d; ++k) trace += ev.jac.col(k * c.d + k);
  EXPECT_LT((ev.div - trace).cwiseAbs().maxCoeff(), 1e-11);
  EXPECT_LT(fmtest::max_rel(ev.grad_div, fmtest::fd_gradient(div, x, h)), c.act == Activation::Selu ? 1e-4 : 1e-7);
  const double ht = 1e-6;
  const Mat dt = (m.forward(x, t.array() + ht) - m.forward(x, t.array() - ht)) / (2 * ht);
  EXPECT_LT(fmtest::max_rel(m.time_derivative(x, t), dt), 1e-7);
}

std::string case_name(const ::testing::TestParamInfo<MlpCase>& i) {
  return to_string(i.param.act) + "_d" + std::to_string(i.param.d) + "_L" + std::to_string(i.param.depth);
}

INSTANTIATE_TEST_SUITE_P(All, MlpDerivatives,
                         ::testing::Values(MlpCase{2, Activation::Silu, 2}, MlpCase{8, Activation::Silu, 3},
                                           MlpCase{32, Activation::Silu, 2}, MlpCase{3, Activation::Tanh, 3},
                                           MlpCase{5, Activation::Softplus, 4}, MlpCase{4, Activation::Selu, 3},
                                           MlpCase{1, Activation::Silu, 1}),
                         case_name);

TEST(Mlp, ParameterGradientMatchesFiniteDifferences) {
  for (Activation act : kActs) {
    Mlp m = random_mlp(3, {16, 16}, act);
    Rng rng(4, "grad");
    const Mat x = rng.normal(7, 3), y = rng.normal(7, 3);
    Vec t(7);
    for (Index i = 0; i < 7; ++i) t[i] = rng.uniform();
    auto loss = [&](const Mlp& net) { return 0.5 * (net.forward(x, t) - y).squaredNorm(); };
    Mlp::Cache cache;
    const Mat out = m.forward(x, t, &cache);
    Vec grad = Vec::Zero(m.num_params());
    m.backward(cache, out - y, grad);
    double worst = 0;
    for (Index p = 0; p < m.num_params(); p += 7) {
      const double keep = m.params()[p], h = 1e-6;
      m.params()[p] = keep + h;
      const double lp = loss(m);
      m.params()[p] = keep - h;
      const double lm = loss(m);
      m.params()[p] = keep;
      worst = std::max(worst, std::abs((lp - lm) / (2 * h) - grad[p]) / std::max(1.0, std::abs(grad[p])));
    }
    EXPECT_LT(worst, 1e-6) << to_string(act);
  }
}

TEST(Mlp, ParameterCountOfTheStudyNetworks) {
  // kl_bound.md E1: [x;t] ∈ R³ → 128 → 128 → 2 has 17,282 parameters; E2B [64, 64] has 4,546.
  MlpSpec s;
  s.dim = 2;
  s.hidden = {128, 128};
  s.embedding.type = "raw";
  EXPECT_EQ(Mlp(s).num_params(), 17282);
  s.hidden = {64, 64};
  EXPECT_EQ(Mlp(s).num_params(), 4546);
}

}  // namespace
