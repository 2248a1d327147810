// Adam/AdamW, LR schedules, EMA and the training objectives' gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/nn/adam.hpp"
#include "fmkit/nn/ema.hpp"
#include "fmkit/nn/lr_schedule.hpp"
#include "fmkit/path/interpolant.hpp"
#include "fmkit/train/objective.hpp"

using namespace fm;

namespace {

// A scalar reference implementation of Adam, written independently of nn::Adam.
struct ScalarAdam {
  double m = 0, v = 0;
  int t = 0;
  double step(double theta, double g, double lr, double wd, bool decoupled) {
    ++t;
    if (!decoupled) g += wd * theta;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double mh = m / (1 - std::pow(0.9, t)), vh = v / (1 - std::pow(0.999, t));
    if (decoupled) theta -= lr * wd * theta;
    return theta - lr * mh / (std::sqrt(vh) + 1e-8);
  }
};

TEST(Adam, MatchesScalarReferenceWithL2AndDecoupledDecay) {
  for (bool decoupled : {false, true}) {
    nn::AdamOptions o;
    o.weight_decay = 0.01;
    o.decoupled = decoupled;
    nn::Adam adam(3, o);
    Vec theta(3);
    theta << 1.0, -2.0, 0.5;
    ScalarAdam ref[3];
    double rt[3] = {1.0, -2.0, 0.5};
    for (int s = 0; s < 50; ++s) {
      const Vec g = 2.0 * theta + Vec::Constant(3, std::sin(s));  // gradient of a shifted quadratic
      for (int i = 0; i < 3; ++i) rt[i] = ref[i].step(rt[i], 2.0 * rt[i] + std::sin(s), 0.05, 0.01, decoupled);
      adam.step(theta, g, 0.05);
    }
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(theta[i], rt[i], 1e-13) << "decoupled " << decoupled;
  }
}

TEST(Adam, FirstStepHasLengthLearningRate) {
  nn::Adam adam(2, {});
  Vec theta = Vec::Zero(2), g(2);
  g << 3.0, -0.001;
  adam.step(theta, g, 0.1);
  EXPECT_NEAR(theta[0], -0.1, 1e-8);  // bias-corrected first step is −lr·sign(g)
  EXPECT_NEAR(theta[1], 0.1, 1e-4);
}

TEST(LrSchedule, ShapesWarmupAndGranularity) {
  nn::LrSchedule s;
  s.type = "cosine";
  s.lr = 1e-3;
  s.floor = 1e-4;
  s.total = 300;
  EXPECT_DOUBLE_EQ(s.at(0), 1e-3);
  EXPECT_NEAR(s.at(150), 0.5 * (1e-3 + 1e-4), 1e-15);
  EXPECT_NEAR(s.at(300), 1e-4, 1e-15);
  s.every = 100;  // stepped per "epoch" of 100 steps
  EXPECT_DOUBLE_EQ(s.at(99), 1e-3);
  EXPECT_DOUBLE_EQ(s.at(150), s.at(100));
  s.every = 1;
  s.type = "linear";
  EXPECT_NEAR(s.at(150), 0.5 * (1e-3 + 1e-4), 1e-15);
  s.type = "constant";
  s.warmup = 10;
  EXPECT_NEAR(s.at(4), 0.5e-3, 1e-15);
  EXPECT_DOUBLE_EQ(s.at(50), 1e-3);
  s.type = "exp";
  EXPECT_THROW(s.validate(), fm::Error);
}

TEST(Ema, AveragesWithTheStatedDecay) {
  nn::Ema e;
  e.decay = 0.9;
  e.update(Vec::Zero(1));
  e.update(Vec::Ones(1));
  EXPECT_NEAR(e.shadow[0], 0.1, 1e-15);  // 0.9·0 + 0.1·1, not 0.1·0 + 0.9·1
}

// Both objectives: ∂loss/∂pred against central differences, and the targets they regress on.
TEST(Objective, LossGradientAndTargets) {
  Rng rng(1, "obj");
  train::Batch b;
  b.x = rng.normal(6, 2);
  b.t = Vec::LinSpaced(6, 0.1, 0.9);
  b.target = rng.normal(6, 2);
  b.weight = (1.0 - b.t.array()).matrix();  // the one_minus_t weighting
  const Mat pred = rng.normal(6, 2);
  Mat grad;
  train::loss(b, pred, &grad);
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < 2; ++j) {
      Mat p = pred, m = pred;
      p(i, j) += 1e-6;
      m(i, j) -= 1e-6;
      EXPECT_NEAR((train::loss(b, p) - train::loss(b, m)) / 2e-6, grad(i, j), 1e-8);
    }
  // The DFM drift target is (X₁ − X_t)/(1 − t) for the bridge point X_t.
  path::Interpolant ip{1.5};
  const Mat x0 = rng.normal(6, 2), x1 = rng.normal(6, 2), z = rng.normal(6, 2);
  const Mat xt = ip.point(x0, x1, b.t, z);
  const Mat y = ip.drift_target(x0, x1, b.t, z);
  const Mat expect = (x1 - xt).array().colwise() / (1.0 - b.t.array());
  EXPECT_LT((y - expect).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Objective, RejectsBadSpecs) {
  EXPECT_THROW(train::Objective::parse(cfg::json::parse(R"({"type":"dfm","t_max":1.0})")), fm::Error);
  EXPECT_THROW(train::Objective::parse(cfg::json::parse(R"({"type":"dfm","weighting":"heavy"})")), fm::Error);
  EXPECT_THROW(train::Objective::parse(cfg::json::parse(R"({"type":"ddpm"})")), fm::Error);
  EXPECT_THROW(train::Objective::parse(cfg::json::parse(R"({"type":"fm","sigma2":1})")), fm::Error);
}

}  // namespace
