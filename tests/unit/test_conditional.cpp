// Conditional flow matching (theory/sdfm_variants.md §1): labelled draws, the conditional MLP
// (exact x-derivatives, parameter gradient, the null token), couplings that pair within a class
// (minibatch OT per class against brute force, semidiscrete per class and with a large finite β),
// guidance as a field on the augmented state, the k-NN classifier and per-class distances against
// brute force, and a short conditional training run judged by the classifier.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/coupling/minibatch_ot.hpp"
#include "fmkit/coupling/semidiscrete_coupling.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/gmm.hpp"
#include "fmkit/dist/toy2d.hpp"
#include "fmkit/field/conditioned_field.hpp"
#include "fmkit/integrate/conditional_sampling.hpp"
#include "fmkit/metrics/knn_classifier.hpp"
#include "fmkit/metrics/per_class_distances.hpp"
#include "fmkit/metrics/wasserstein.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/network_simplex.hpp"
#include "fmkit/ot/semidiscrete_labels.hpp"
#include "fmkit/train/trainer.hpp"
#include "support/fd.hpp"

using namespace fm;

namespace {

// Three well-separated labelled clusters in 2-D, labels 0..2 in a shuffled order.
struct Labelled {
  Mat y;
  std::vector<Index> labels;
};
Labelled clusters(Index n, std::uint64_t seed = 1) {
  Rng rng(seed, "conditional/clusters");
  Labelled d{Mat(n, 2), std::vector<Index>(static_cast<std::size_t>(n))};
  const double cx[3] = {-6, 0, 6};
  for (Index i = 0; i < n; ++i) {
    const auto c = static_cast<Index>(rng.below(3));
    d.labels[static_cast<std::size_t>(i)] = c;
    d.y(i, 0) = cx[c] + 0.5 * rng.normal();
    d.y(i, 1) = 0.5 * rng.normal();
  }
  return d;
}

nn::MlpSpec conditional_spec(Index classes, bool null_token) {
  nn::MlpSpec s;
  s.dim = 3;
  s.hidden = {16, 12};
  s.embedding.frequencies = 3;
  s.classes = classes;
  s.null_token = null_token;
  return s;
}

TEST(Conditional, LabelledDrawsAreTheUnlabelledDrawsWithTheirClasses) {
  const dist::Toy2d toy(dist::toy2d_defaults("8gaussians"));
  Rng a(3, "x"), b(3, "x");
  std::vector<Index> labels;
  const Mat plain = toy.sample(500, a), with = toy.sample_labelled(500, b, labels);
  EXPECT_EQ((plain - with).norm(), 0.0);
  ASSERT_EQ(toy.classes(), 8);
  for (Index i = 0; i < 500; ++i) {  // each point lies nearest its own mode (noise 0.56 ≪ spacing 3.8)
    const double k = static_cast<double>(labels[static_cast<std::size_t>(i)]);
    const double a = k * std::numbers::pi / 4;
    EXPECT_LT(std::hypot(with(i, 0) - 5 * std::cos(a), with(i, 1) - 5 * std::sin(a)), 2.5) << i;
  }
  const dist::Toy2d board(dist::toy2d_defaults("checkerboard"));
  EXPECT_EQ(board.classes(), 0);
  EXPECT_THROW(board.sample_labelled(3, a, labels), Error);
  // A mixture's label is its component.
  dist::GaussianMixture gmm(Vec::Constant(2, 0.5), {dist::Gaussian(Vec::Constant(1, -50), Mat::Identity(1, 1)),
                                                   dist::Gaussian(Vec::Constant(1, 50), Mat::Identity(1, 1))});
  Rng c(4, "x"), e(4, "x");
  const Mat g = gmm.sample_labelled(200, c, labels);
  EXPECT_EQ((g - gmm.sample(200, e)).norm(), 0.0);
  for (Index i = 0; i < 200; ++i) EXPECT_EQ(labels[static_cast<std::size_t>(i)], g(i, 0) > 0 ? 1 : 0);
}

TEST(Conditional, MlpDerivativesInXAreExactWithALabel) {
  nn::Mlp net(conditional_spec(4, true));
  Rng rng(5, "init");
  net.init(rng);
  Rng xr(6, "x");
  const Mat x = xr.normal(5, 3);
  const Vec t = Vec::LinSpaced(5, 0.1, 0.9);
  Mat cond(5, 1);
  cond << 0, 3, nn::kNullLabel, 1, 2;
  Derivs d;
  net.evaluate(x, t, kAll, d, cond);
  const auto f = [&](const Mat& y) { return net.forward(y, t, nullptr, cond); };
  const Mat fd = fmtest::fd_jacobian(f, x, 1e-6);
  EXPECT_LT(fmtest::max_rel(d.jac, fd), 1e-7);
  for (Index i = 0; i < 5; ++i) EXPECT_NEAR(d.div[i], d.jac(i, 0) + d.jac(i, 4) + d.jac(i, 8), 1e-12);
  EXPECT_LT(fmtest::max_rel(d.value, f(x)), 1e-14);
  // ∇div against finite differences of the divergence.
  const auto div = [&](const Mat& y) {
    Derivs e;
    net.evaluate(y, t, kDivergence, e, cond);
    return Vec(e.div);
  };
  EXPECT_LT(fmtest::max_rel(d.grad_div, fmtest::fd_gradient(div, x, 1e-5)), 1e-6);
  // The label matters, and the null token is a condition of its own.
  Mat other = cond;
  other(1, 0) = 0;
  EXPECT_GT((net.forward(x, t, nullptr, other).row(1) - d.value.row(1)).norm(), 1e-6);
}

TEST(Conditional, MlpParameterGradientCoversTheLabelEmbedding) {
  nn::Mlp net(conditional_spec(3, true));
  Rng rng(7, "init");
  net.init(rng);
  Rng xr(8, "x");
  const Mat x = xr.normal(6, 3), target = xr.normal(6, 3);
  const Vec t = Vec::LinSpaced(6, 0.0, 1.0);
  Mat cond(6, 1);
  cond << 2, 0, nn::kNullLabel, 1, 2, 0;
  auto loss = [&](const nn::Mlp& m, nn::Mlp::Cache* cache, Mat* dout) {
    const Mat r = m.forward(x, t, cache, cond) - target;
    if (dout) *dout = 2 * r;
    return r.squaredNorm();
  };
  nn::Mlp::Cache cache;
  Mat dout;
  loss(net, &cache, &dout);
  Vec grad = Vec::Zero(net.num_params());
  net.backward(cache, dout, grad);
  // The first layer's label columns (inputs 3 + 6 .. 3 + 6 + 3) and the ∅ column get gradient.
  const double h = 1e-6;
  double worst = 0;
  for (Index p = 0; p < net.num_params(); p += 7) {
    nn::Mlp a = net, b = net;
    a.params()[p] += h;
    b.params()[p] -= h;
    worst = std::max(worst, std::abs((loss(a, nullptr, nullptr) - loss(b, nullptr, nullptr)) / (2 * h) - grad[p]));
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_GT(net.weight(0).rightCols(4).norm(), 0.0);
}

TEST(Conditional, BadConditionsAreUsageErrors) {
  nn::Mlp plain_token(conditional_spec(3, false));
  const Mat x = Mat::Zero(2, 3);
  Mat outside(2, 1), null(2, 1), wide(2, 2);
  outside << 0, 3;
  null << 0, nn::kNullLabel;
  wide.setZero();
  EXPECT_THROW(plain_token.check_condition(outside, 2), Error);  // label outside 0..2
  EXPECT_THROW(plain_token.check_condition(null, 2), Error);     // no null token
  EXPECT_THROW(plain_token.check_condition(wide, 2), Error);     // wrong size
  EXPECT_NO_THROW(plain_token.check_condition(Mat::Zero(2, 1), 2));
  auto shared = std::make_shared<nn::Mlp>(plain_token);
  EXPECT_THROW(field::ConditionedField(shared, 2.0), Error);  // guidance needs ∅
  EXPECT_NO_THROW(field::ConditionedField(shared, 1.0));
  nn::MlpSpec u = conditional_spec(0, false);
  EXPECT_THROW(field::ConditionedField(std::make_shared<nn::Mlp>(u), 1.0), Error);
  nn::MlpSpec spec = conditional_spec(3, false);
  EXPECT_THROW(integrate::resolve_conditions(cfg::json(), spec, 4, "c"), Error);
  EXPECT_THROW(integrate::resolve_conditions(cfg::json::array({0, 1}), spec, 4, "c"), Error);
  EXPECT_EQ(integrate::resolve_conditions("cycle", spec, 4, "c")(3, 0), 0.0);
  EXPECT_EQ(integrate::resolve_conditions(2, spec, 4, "c")(1, 0), 2.0);
}

TEST(Conditional, GuidedFieldCombinesTheTwoVelocitiesAndCarriesTheCondition) {
  auto net = std::make_shared<nn::Mlp>(conditional_spec(3, true));
  Rng rng(9, "init");
  net->init(rng);
  Rng xr(10, "x");
  const Mat x0 = xr.normal(7, 3);
  Mat cond(7, 1);
  cond << 0, 1, 2, 0, 1, 2, 0;
  const double gamma = 2.5;
  const field::ConditionedField v(net, gamma);
  const Mat s = v.augment(x0, cond);
  Derivs d;
  v.evaluate(s, 0.3, kValue | kDivergence, d);
  const Vec t = Vec::Constant(7, 0.3);
  const Mat vc = net->forward(x0, t, nullptr, cond), vu = net->forward(x0, t, nullptr, Mat::Constant(7, 1, nn::kNullLabel));
  EXPECT_LT(fmtest::max_abs(d.value.leftCols(3) - (vu + gamma * (vc - vu))), 1e-12);
  EXPECT_EQ(d.value.rightCols(1).norm(), 0.0);  // the condition does not move
  // The divergence of the augmented field is the trace of the guided velocity's x-Jacobian.
  const auto f = [&](const Mat& y) {
    Derivs e;
    v.evaluate(v.augment(y, cond), 0.3, kValue, e);
    return Mat(e.value.leftCols(3));
  };
  const Mat J = fmtest::fd_jacobian(f, x0, 1e-6);
  for (Index i = 0; i < 7; ++i) EXPECT_NEAR(d.div[i], J(i, 0) + J(i, 4) + J(i, 8), 1e-7);
  EXPECT_THROW(v.evaluate(s, 0.3, kJacobian, d), Error);
  // A flow keeps each row's condition: 4 Euler steps by hand equal the integrator's.
  integrate::FlowOptions fo;
  fo.method = integrate::Method::Euler;
  fo.nfe = 4;
  const integrate::FlowResult r = integrate::integrate_conditional(v, x0, cond, fo);
  Mat x = x0;
  for (int k = 0; k < 4; ++k) {
    const Vec tk = Vec::Constant(7, 0.25 * k);
    const Mat a = net->forward(x, tk, nullptr, cond), b = net->forward(x, tk, nullptr, Mat::Constant(7, 1, nn::kNullLabel));
    x += 0.25 * (b + gamma * (a - b));
  }
  EXPECT_LT(fmtest::max_abs(r.x - x), 1e-12);
}

TEST(Conditional, MinibatchOtPairsWithinEachClassOptimally) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Labelled d = clusters(400);
  coupling::TargetSampler t(d.y, true, 11, dist::Conditions::from_labels(d.labels, 3));
  coupling::MinibatchOtCoupling c({{"type", "exact_ot"}, {"cost", "sqeuclid"}}, mu, t, 11);
  coupling::PairBatch b;
  c.draw(2, 96, b);
  dist::Conditions z;
  const Mat x1 = t.draw(2, 96, &z);
  ASSERT_EQ(b.z.rows(), 96);
  EXPECT_EQ((b.z.z - z.z).norm(), 0.0);  // each row keeps its class
  for (Index cl = 0; cl < 3; ++cl) {
    std::vector<Index> rows;
    for (Index i = 0; i < 96; ++i)
      if (z.label(i) == cl) rows.push_back(i);
    Mat a(static_cast<Index>(rows.size()), 2), y(static_cast<Index>(rows.size()), 2);
    double cost = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      a.row(static_cast<Index>(i)) = b.x0.row(rows[i]);
      y.row(static_cast<Index>(i)) = x1.row(rows[i]);
      cost += (b.x0.row(rows[i]) - b.x1.row(rows[i])).squaredNorm();
      EXPECT_LT(std::abs(b.x1(rows[i], 0) - (cl - 1) * 6.0), 3.0);  // the partner is of the row's class
    }
    // Brute force within the class: the optimal assignment's cost.
    const auto best = ot::exact_assignment(ot::sq_euclidean_cost(a, y));
    EXPECT_NEAR(cost / static_cast<double>(rows.size()), best.cost, 1e-10) << "class " << cl;
  }
}

TEST(Conditional, SinkhornPairsWithinEachClass) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Labelled d = clusters(400, 7);
  coupling::TargetSampler t(d.y, true, 12, dist::Conditions::from_labels(d.labels, 3));
  for (const std::string sampling : {"row", "flattened"}) {
    coupling::MinibatchOtCoupling c({{"type", "sinkhorn"}, {"eps_rel", 0.05}, {"sampling", sampling}}, mu, t, 12);
    coupling::PairBatch b;
    c.draw(1, 128, b);
    ASSERT_EQ(b.z.rows(), 128);
    for (Index i = 0; i < 128; ++i)  // every partner lies in its row's class cluster
      EXPECT_LT(std::abs(b.x1(i, 0) - (b.z.label(i) - 1) * 6.0), 3.0) << sampling << " " << i;
  }
}

TEST(Conditional, SemidiscretePairsWithinTheSourceClass) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Labelled d = clusters(150);
  const dist::Conditions z = dist::Conditions::from_labels(d.labels, 3);
  coupling::TargetSampler t(d.y, true, 12, z);
  coupling::SemidiscreteCoupling c({{"type", "semidiscrete"}, {"target_chi2", 0.05}}, mu, t, 12);
  EXPECT_LE(c.potential().chi2.value, 0.05 + 3 * c.potential().chi2.se + 0.03);
  coupling::PairBatch b;
  c.draw(4, 300, b);
  // The source classes have the data's frequencies; each x₀ goes to the argmax cell of its class.
  const Vec& g = c.potential().g;
  const Vec freq = z.frequencies();
  Vec seen = Vec::Zero(3);
  for (Index i = 0; i < 300; ++i) {
    const Index cl = b.z.label(i);
    seen[cl] += 1.0 / 300;
    Index best = -1;
    for (Index j = 0; j < d.y.rows(); ++j) {
      if (d.labels[static_cast<std::size_t>(j)] != cl) continue;
      if (best < 0 || g[j] + b.x0.row(i).dot(d.y.row(j)) > g[best] + b.x0.row(i).dot(d.y.row(best))) best = j;
    }
    EXPECT_EQ((b.x1.row(i) - d.y.row(best)).norm(), 0.0) << i;
  }
  EXPECT_LT((seen - freq).cwiseAbs().maxCoeff(), 0.1);
  // A finite β fitted jointly: at β = 1e4 no pair crosses a class.
  coupling::SemidiscreteCoupling fb({{"type", "semidiscrete"}, {"target_chi2", 0.1}, {"beta", 1e4}}, mu, t, 12);
  fb.draw(4, 300, b);
  for (Index i = 0; i < 300; ++i)
    EXPECT_LT(std::abs(b.x1(i, 0) - (b.z.label(i) - 1) * 6.0), 3.0) << i;
  // β on unlabelled data is refused.
  coupling::TargetSampler plain(d.y, true, 12);
  EXPECT_THROW(coupling::SemidiscreteCoupling({{"type", "semidiscrete"}, {"beta", 10}}, mu, plain, 12), Error);
}

TEST(Conditional, LargeFiniteBetaGivesThePerClassAssignmentOnEveryQuery) {
  // For one potential g, the augmented search argmax_j g_j + ⟨x, y_j⟩ + β[c_j = c] equals the
  // search restricted to class c once β exceeds the spread of the scores.
  const Labelled d = clusters(300, 2);
  Rng rng(13, "q");
  const Vec g = rng.normal(300, 1).col(0);
  const Mat x = rng.normal(1000, 2);
  std::vector<Index> qc(1000);
  for (auto& c : qc) c = static_cast<Index>(rng.below(3));
  const double beta = 1e4;
  const Vec b = Vec::Constant(300, 1.0 / 300);
  const auto mips = ot::make_mips(ot::augment_with_labels(d.y, d.labels, 3, beta), g, b, ot::MipsOptions{"exact", true});
  const auto j = mips->argmax(ot::augment_with_labels(x, qc, 3, beta));
  for (Index i = 0; i < 1000; ++i) {
    Index best = -1;
    for (Index k = 0; k < 300; ++k) {
      if (d.labels[static_cast<std::size_t>(k)] != qc[static_cast<std::size_t>(i)]) continue;
      if (best < 0 || g[k] + x.row(i).dot(d.y.row(k)) > g[best] + x.row(i).dot(d.y.row(best))) best = k;
    }
    EXPECT_EQ(j[static_cast<std::size_t>(i)], best) << i;
  }
}

TEST(Conditional, KnnClassifierMatchesBruteForce) {
  const Labelled d = clusters(200, 3);
  Rng rng(14, "q");
  Mat q = rng.normal(150, 2) * 4.0;
  const metrics::KnnClassifier knn(d.y, d.labels, 3, 5);
  const std::vector<Index> p = knn.predict(q);
  for (Index i = 0; i < q.rows(); ++i) {
    std::vector<Index> order(200);
    std::iota(order.begin(), order.end(), Index{0});
    std::sort(order.begin(), order.end(), [&](Index a, Index b) {
      const double da = (q.row(i) - d.y.row(a)).squaredNorm(), db = (q.row(i) - d.y.row(b)).squaredNorm();
      return da < db || (da == db && a < b);
    });
    Index votes[3] = {0, 0, 0};
    for (int k = 0; k < 5; ++k) ++votes[d.labels[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])]];
    const Index top = *std::max_element(votes, votes + 3);
    Index want = -1;
    for (int k = 0; k < 5 && want < 0; ++k)
      if (votes[d.labels[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])]] == top)
        want = d.labels[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])];
    EXPECT_EQ(p[static_cast<std::size_t>(i)], want) << i;
  }
  const Labelled held = clusters(90, 4);
  EXPECT_EQ(knn.accuracy(held.y, held.labels), 1.0);  // separated clusters
  EXPECT_THROW(metrics::KnnClassifier(d.y, d.labels, 3, 0), Error);
  EXPECT_THROW(metrics::KnnClassifier(d.y, d.labels, 2, 5), Error);  // label 2 outside 0..1
}

TEST(Conditional, PerClassDistancesAreTheClassesOwn) {
  const Labelled a = clusters(120, 5), b = clusters(150, 6);
  const metrics::PerClassDistances r = metrics::per_class_distances(a.y, a.labels, b.y, b.labels, 4);
  EXPECT_EQ(r.scored, 3);  // class 3 is empty
  EXPECT_TRUE(std::isnan(r.w2[3]));
  double mean = 0;
  for (Index c = 0; c < 3; ++c) {
    Mat x(0, 2), y(0, 2);
    for (Index i = 0; i < 120; ++i)
      if (a.labels[static_cast<std::size_t>(i)] == c) { x.conservativeResize(x.rows() + 1, 2); x.row(x.rows() - 1) = a.y.row(i); }
    for (Index i = 0; i < 150; ++i)
      if (b.labels[static_cast<std::size_t>(i)] == c) { y.conservativeResize(y.rows() + 1, 2); y.row(y.rows() - 1) = b.y.row(i); }
    // Brute force: the transport LP between uniform measures of unequal sizes.
    const auto lp = ot::exact_ot(ot::sq_euclidean_cost(x, y), Vec::Constant(x.rows(), 1.0 / static_cast<double>(x.rows())),
                                 Vec::Constant(y.rows(), 1.0 / static_cast<double>(y.rows())));
    EXPECT_NEAR(r.w2[c], std::sqrt(lp.cost), 1e-9) << c;
    mean += r.w2[c] / 3;
  }
  EXPECT_NEAR(r.mean_w2, mean, 1e-12);
  // Pooled over classes the clusters look alike; per class they are what is compared.
  EXPECT_LT(r.mean_w2, 1.0);
}

TEST(Conditional, ShortTrainingLearnsTheClassesAndGuidanceWorks) {
  // 8gaussians with the mode as label, 1500 steps: samples of class k land on mode k.
  train::TrainSpec spec = train::default_train_spec();
  spec.target = {{"type", "toy2d"}, {"name", "8gaussians"}};
  spec.data.labels = true;
  spec.objective.p_uncond = 0.2;
  spec.train.steps = 1500;
  spec.train.eval_every = 1500;
  spec.train.val_size = 512;
  spec.train.ema = 0.99;
  spec.model.hidden = {64, 64};
  spec.seed = 3;
  train::Trainer trainer(spec);
  const train::TrainResult res = trainer.run("", {"test", 3});
  ASSERT_TRUE(res.ok()) << res.brief();
  auto net = std::make_shared<nn::Mlp>(trainer.ema_mlp());
  EXPECT_EQ(net->spec().classes, 8);
  EXPECT_TRUE(net->spec().null_token);
  // The judge: a k-NN classifier fitted on labelled data.
  const dist::Toy2d toy(dist::toy2d_defaults("8gaussians"));
  Rng dr(15, "ref");
  std::vector<Index> ref_labels;
  const Mat ref = toy.sample_labelled(2000, dr, ref_labels);
  const metrics::KnnClassifier knn(ref, ref_labels, 8, 5);
  Rng nr(16, "noise");
  const Mat x0 = nr.normal(800, 2);
  const Mat cond = integrate::resolve_conditions("cycle", net->spec(), 800, "c");
  std::vector<Index> want(800);
  for (Index i = 0; i < 800; ++i) want[static_cast<std::size_t>(i)] = i % 8;
  integrate::FlowOptions fo;
  fo.method = integrate::Method::Euler;
  fo.nfe = 32;
  const double acc1 = knn.accuracy(integrate::integrate_conditional(field::ConditionedField(net, 1.0), x0, cond, fo).x, want);
  const double acc0 = knn.accuracy(integrate::integrate_conditional(field::ConditionedField(net, 0.0), x0, cond, fo).x, want);
  EXPECT_GT(acc1, 0.9);   // the conditional model puts class k on mode k
  EXPECT_LT(acc0, 0.35);  // the unconditional one (γ = 0) ignores the label: chance is 1/8
}

// Continuous conditions (super-resolution's kind): y = (z, 0) + noise with z ~ U[−3, 3].
struct Conditioned {
  Mat y, z;
};
Conditioned along_a_line(Index n, std::uint64_t seed) {
  Rng rng(seed, "conditional/line");
  Conditioned d{Mat(n, 2), Mat(n, 1)};
  for (Index i = 0; i < n; ++i) {
    d.z(i, 0) = rng.uniform(-3, 3);
    d.y(i, 0) = d.z(i, 0) + 0.1 * rng.normal();
    d.y(i, 1) = 0.1 * rng.normal();
  }
  return d;
}

TEST(Conditional, MinibatchOtWithContinuousConditionsWeighsThemByBeta) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Conditioned d = along_a_line(300, 31);
  coupling::TargetSampler t(d.y, true, 17, dist::Conditions{d.z, 0});
  dist::Conditions z;
  const Mat x1 = t.draw(3, 64, &z);
  // β → 0: the x-part's optimal pairing, each pair keeping its target's condition.
  coupling::MinibatchOtCoupling small({{"type", "exact_ot"}, {"cost", "sqeuclid"}, {"beta", 1e-12}}, mu, t, 17);
  coupling::PairBatch b;
  small.draw(3, 64, b);
  const auto best = ot::exact_assignment(ot::sq_euclidean_cost(b.x0, x1));
  for (Index i = 0; i < 64; ++i) {
    const Index j = best.assignment[static_cast<std::size_t>(i)];
    EXPECT_EQ((b.x1.row(i) - x1.row(j)).norm(), 0.0) << i;
    EXPECT_EQ(b.z.z(i, 0), z.z(j, 0)) << i;
  }
  // β large: a noise's partner has (nearly) the condition the noise stands for — its own row's, as
  // independent pairs do; swaps remain only between conditions closer than ~1/√β of the x costs.
  coupling::MinibatchOtCoupling large({{"type", "exact_ot"}, {"cost", "sqeuclid"}, {"beta", 1e6}}, mu, t, 17);
  large.draw(3, 64, b);
  Index kept = 0;
  for (Index i = 0; i < 64; ++i) kept += (b.x1.row(i) - x1.row(i)).norm() == 0;
  EXPECT_GE(kept, 56);
  EXPECT_LT((b.z.z - z.z).cwiseAbs().maxCoeff(), 0.02);
  for (Index i = 0; i < 64; ++i) {  // and (x₁, z) stays a real pair
    Index j = 0;
    while ((x1.row(j) - b.x1.row(i)).norm() != 0) ++j;
    EXPECT_EQ(b.z.z(i, 0), z.z(j, 0)) << i;
  }
  // Continuous conditions need β.
  EXPECT_THROW(coupling::MinibatchOtCoupling({{"type", "exact_ot"}}, mu, t, 17), Error);
}

TEST(Conditional, SemidiscreteWithContinuousConditionsPairsRealPairs) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Conditioned d = along_a_line(200, 32);
  coupling::TargetSampler t(d.y, true, 18, dist::Conditions{d.z, 0});
  coupling::SemidiscreteCoupling c({{"type", "semidiscrete"}, {"target_chi2", 0.1}, {"beta", 1.0}}, mu, t, 18);
  EXPECT_LE(c.potential().chi2.value, 0.1 + 3 * c.potential().chi2.se + 0.05);
  coupling::PairBatch b;
  c.draw(2, 256, b);
  ASSERT_EQ(b.z.rows(), 256);
  for (Index i = 0; i < 256; ++i) {  // (x₁, z) is a training point with its own condition
    Index j = 0;
    while (j < d.y.rows() && (d.y.row(j) - b.x1.row(i)).norm() != 0) ++j;
    ASSERT_LT(j, d.y.rows()) << i;
    EXPECT_EQ(b.z.z(i, 0), d.z(j, 0)) << i;
  }
  EXPECT_THROW(coupling::SemidiscreteCoupling({{"type", "semidiscrete"}}, mu, t, 18), Error);  // needs β
}

TEST(Conditional, ShortTrainingOnContinuousConditionsFollowsThem) {
  const Conditioned d = along_a_line(2000, 33);
  train::TrainSpec spec = train::default_train_spec();
  spec.train.steps = 1500;
  spec.train.eval_every = 1500;
  spec.train.val_size = 256;
  spec.train.ema = 0.99;
  spec.model.hidden = {64, 64};
  spec.seed = 4;
  train::Trainer trainer(spec, d.y, dist::Conditions{d.z, 0});
  ASSERT_TRUE(trainer.run("", {"test", 4}).ok());
  auto net = std::make_shared<nn::Mlp>(trainer.ema_mlp());
  EXPECT_EQ(net->spec().cond_dim, 1);
  EXPECT_EQ(net->spec().classes, 0);
  Rng nr(19, "noise");
  const Mat x0 = nr.normal(400, 2);
  integrate::FlowOptions fo;
  fo.method = integrate::Method::Euler;
  fo.nfe = 32;
  for (double zc : {-2.0, 1.5}) {
    const Mat x = integrate::integrate_conditional(field::ConditionedField(net, 1.0), x0, Mat::Constant(400, 1, zc), fo).x;
    EXPECT_NEAR(x.col(0).mean(), zc, 0.25) << zc;  // the samples follow the condition (data: y₁ = z + noise)
    EXPECT_LT(std::sqrt((x.col(0).array() - x.col(0).mean()).square().mean()), 0.5) << zc;
  }
}

}  // namespace
