// The DFM evaluators against each other (theory/dfm.md §4): Monte-Carlo KL_path against the exact
// Gaussian one, the 2-D density grid against moment propagation, the separable decomposition, the
// ε² bookkeeping of every perturbation, step complexity, and the refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "fmkit/bounds/dfm_evaluate.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/field/exact_field.hpp"

using namespace fm;
using namespace fm::bounds;

namespace {

DfmProblem problem(const std::string& spec, double sigma2) {
  return make_dfm_problem(cfg::json::parse(spec), sigma2, "problem");
}

cfg::json run(const DfmProblem& p, DfmOptions o, const DfmDrift& drift = {}) {
  return evaluate_dfm(p, drift, dfm_moments(*p.path, 2000, 1), o).to_json();
}

DfmOptions steps(long N) {
  DfmOptions o;
  o.steps = N;
  return o;
}

DfmDrift perturbation(const std::string& spec) {
  return parse_dfm_perturbation(cfg::json::parse(spec), 1, "perturbation");
}

const char* kShifted = R"({"target": {"type": "gaussian", "mean": [2], "std": 0.5}})";
const char* kGmm = R"({"target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "stds": [0.5, 0.5]}})";

TEST(DfmKlPath, MonteCarloMatchesExactGaussian) {
  const DfmProblem p = problem(kShifted, 1.0);
  DfmOptions o = steps(16);
  const auto exact = run(p, o);
  o.path_method = "monte_carlo";
  o.mc.paths = 20000;
  const auto mc = run(p, o);
  EXPECT_EQ(mc["kl_path_method"], "monte_carlo");
  const double se = mc["kl_path_se"].get<double>();
  EXPECT_GT(se, 0);
  // Fine-EM bias is O(sub-step) relative; allow 4 s.e. plus 2 %.
  EXPECT_NEAR(mc["kl_path"].get<double>(), exact["kl_path"].get<double>(),
              4 * se + 0.02 * exact["kl_path"].get<double>());
  EXPECT_NEAR(mc["D_h"].get<double>(), exact["D_h"].get<double>(),
              4 * mc["D_h_se"].get<double>() + 0.02 * exact["D_h"].get<double>());
}

// 2-D Gaussian with a non-symmetric cross-covariance: the Nyström grid against moment propagation.
TEST(DfmGrid, TwoDimensionalGaussianMatchesMomentPropagation) {
  const DfmProblem p = problem(R"({"source": {"type": "gaussian", "mean": [0, 0], "cov": [[1, 0.3], [0.3, 0.7]]},
      "target": {"type": "gaussian", "mean": [1.5, -1], "cov": [[0.5, -0.2], [-0.2, 1.2]]},
      "coupling": {"type": "gaussian", "cross_cov": [[0.2, 0.1], [-0.15, 0.3]]}})", 1.3);
  DfmOptions o = steps(8);
  const auto exact = run(p, o);
  o.kl_method = "grid";
  o.path_method = "none";
  const auto grid = run(p, o);
  EXPECT_EQ(grid["kl_method"], "grid");
  EXPECT_NEAR(grid["kl_marg"].get<double>(), exact["kl_marg"].get<double>(), 1e-4 * exact["kl_marg"].get<double>());
}

TEST(DfmGrid, GmmChainHolds) {
  const DfmProblem p = problem(kGmm, 1.0);
  for (long N : {8, 32}) {
    DfmOptions o = steps(N);
    o.mc.paths = 4000;
    const auto r = run(p, o);
    EXPECT_EQ(r["kl_method"], "grid");
    EXPECT_EQ(r["kl_path_method"], "monte_carlo");
    EXPECT_GT(r["kl_marg"].get<double>(), 0);
    EXPECT_EQ(r["marg_exceeds_path"], 0);
    EXPECT_EQ(r["path_exceeds_chain"], 0);
    EXPECT_NEAR(r["grid_mass"].get<double>(), 1, 1e-6);
  }
}

// The separable decomposition equals the 1-D mixture plus (d−1) Gaussian coordinates, and its
// KL_path agrees with the full d-dimensional Monte Carlo.
TEST(DfmSeparable, DecompositionMatchesPieces) {
  const DfmProblem p = problem(R"({"dim": 3, "target": {"type": "separable_gmm", "weights": [0.5, 0.5], "means": [-2, 2], "stds": [0.5, 0.5], "s_perp": 0.5}})", 1.0);
  ASSERT_TRUE(p.separable());
  DfmOptions o = steps(16);
  o.mc.paths = 8000;
  const auto sep = run(p, o);
  EXPECT_EQ(sep["kl_method"], "separable");
  const auto one = run(problem(kGmm, 1.0), o);
  const auto perp = run(problem(R"({"target": {"type": "gaussian", "mean": [0], "std": 0.5}})", 1.0), o);
  EXPECT_NEAR(sep["kl_marg"].get<double>(), one["kl_marg"].get<double>() + 2 * perp["kl_marg"].get<double>(), 1e-12);
  o.path_method = "monte_carlo";
  const auto full = run(p, o);
  EXPECT_NEAR(full["kl_path"].get<double>(), sep["kl_path"].get<double>(),
              4 * (full["kl_path_se"].get<double>() + sep["kl_path_se"].get<double>()));
}

TEST(DfmPerturbation, GridEps2IsExact) {
  const DfmProblem p = problem(kGmm, 1.0);
  const integrate::Grid g = integrate::grid_g1(32);
  for (const char* spec : {R"({"type": "constant", "eps": 0.1})", R"({"type": "linear", "eps": 0.1})",
                           R"({"type": "sin_x", "eps": 0.1, "omega": [1.3]})",
                           R"({"type": "time_local", "eps": 0.1, "window": [0.7, 1]})"}) {
    DfmDrift d = perturbation(spec);
    const auto r = run(p, steps(32), d);
    EXPECT_NEAR(r["eps2"].get<double>(), 0.01, 1e-14) << spec;
    // Against Monte Carlo over interpolant samples: Σ h mean ‖δ‖².
    d.perturbation.beta = r["beta"].get<double>();
    const field::PerturbedField f(std::make_shared<field::MixturePathField>(p.path, path::FieldKind::Score),
                                  d.perturbation);
    const field::MixturePathField score(p.path, path::FieldKind::Score);
    double mc = 0;
    for (long k = 0; k < g.steps(); ++k) {
      Rng rng(3, "test", static_cast<std::uint64_t>(k));
      const Mat x = p.path->sample(g.t[static_cast<std::size_t>(k)], 40000, rng);
      mc += g.h(k) * (f.value(x, g.t[k]) - score.value(x, g.t[k])).rowwise().squaredNorm().mean();
    }
    EXPECT_NEAR(mc, 0.01, 5e-4) << spec;
  }
}

TEST(DfmPerturbation, SinXDerivativesMatchFiniteDifferences) {
  field::Perturbation p;
  p.type = "sin_x";
  p.beta = 0.7;
  p.omega = Vec(2);
  p.omega << 1.1, -0.4;
  p.direction = Vec(2);
  p.direction << 0.6, 0.8;
  const DfmProblem pr = problem(R"({"target": {"type": "gaussian", "mean": [1, 0], "std": 0.8}})", 1.0);
  const field::PerturbedField f(std::make_shared<field::MixturePathField>(pr.path, path::FieldKind::Drift), p);
  Mat x(1, 2);
  x << 0.3, -0.9;
  Derivs out;
  f.evaluate(x, 0.4, kAll, out);
  const double e = 1e-6;
  for (Index k = 0; k < 2; ++k) {
    Mat xp = x, xm = x;
    xp(0, k) += e;
    xm(0, k) -= e;
    const Mat dv = (f.value(xp, 0.4) - f.value(xm, 0.4)) / (2 * e);
    for (Index a = 0; a < 2; ++a) EXPECT_NEAR(out.jac(0, a * 2 + k), dv(0, a), 1e-7);
    const double ddiv = (f.divergence(xp, 0.4)[0] - f.divergence(xm, 0.4)[0]) / (2 * e);
    EXPECT_NEAR(out.grad_div(0, k), ddiv, 1e-7);
  }
}

// Point mass with early stopping: exact against ν*_{1−δ}; refused without early stopping.
TEST(DfmEarlyStopping, PointMassTarget) {
  const DfmProblem p = problem(R"({"target": {"type": "point", "mean": [0]}})", 1.0);
  DfmOptions o = steps(64);
  EXPECT_THROW(run(p, o), fm::Error);
  o.grid = "G3";
  o.steps = 8;
  o.delta = 0.01;
  const auto g3 = run(p, o);
  EXPECT_EQ(g3["steps"], 8 + static_cast<long long>(std::ceil(std::log(50.0) / std::log1p(1.0 / 16))));
  EXPECT_GT(g3["kl_marg"].get<double>(), 0);
  EXPECT_LE(g3["kl_marg"].get<double>(), g3["kl_path"].get<double>());
  EXPECT_TRUE(g3["S8_nu"].is_null());  // infinite: JSON has no inf
  EXPECT_EQ(g3["S8_tilt"].get<double>(), 0.0);  // σ² = 1, S0 = I: ∇log μ(x0) − (0 − x0) = 0
  // W2² bias: δ² E‖X0 − X1‖² + σ² δ(1−δ) d = 1e-4 · 1 + 0.0099.
  EXPECT_NEAR(g3["w2_bias2_bound"].get<double>(), 1e-4 + 0.0099, 1e-12);
  // G2 at the same δ needs h ≪ 2(s1² + σ²δ)/σ² = 0.02: N = 16 is far from accurate, N = 1024 is.
  o.grid = "G2";
  o.steps = 16;
  const double coarse = run(p, o)["kl_marg"].get<double>();
  o.steps = 1024;
  EXPECT_GT(coarse, 100 * run(p, o)["kl_marg"].get<double>());
}

TEST(DfmMoments, ChunkedMonteCarloMatchesTheClosedForm) {
  // Two identical blocks force the Monte-Carlo mixture branch, yet the joint law is one Gaussian
  // N((0, 2), diag(1, 0.25)): the scores are linear and every moment has a closed form. 50000
  // samples span four chunks, so this checks the chunk merge of means and standard errors.
  const DfmProblem p = problem(R"({"source": {"type": "gmm", "weights": [0.5, 0.5], "means": [[0], [0]], "stds": [1, 1]},
    "target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[2], [2]], "stds": [0.5, 0.5]},
    "coupling": {"type": "blocks", "weights": [[0.5, 0], [0, 0.5]]}})", 1.0);
  const DfmMoments m = dfm_moments(*p.path, 50000, 3);
  ASSERT_EQ(m.J8.kind, "monte_carlo");
  const double j8 = gaussian_m8(Vec::Zero(2), Vec2(1.0, 4.0).asDiagonal().toDenseMatrix());
  const double k8 = 105;                                                // E x⁸, x ~ N(0, 1)
  const double tilt = gaussian_m8(Vec::Constant(1, 2.0), Square::Constant(1, 1, 0.25));  // s0 − (x1 − x0) = −x1
  for (auto [got, want] : {std::pair{m.J8, j8}, {m.K8, k8}, {m.S8_tilt, tilt}}) {
    EXPECT_GT(got.se, 0.002 * want);
    EXPECT_LT(got.se, 0.1 * want);
    EXPECT_NEAR(got.value, want, 4.5 * got.se);
  }
}

TEST(DfmBound, StepsNeededIsTheSmallestFeasibleN) {
  const DfmProblem p = problem(R"({"dim": 2, "target": {"type": "gaussian", "mean": [0], "std": 1}})", 1.0);
  const DfmMoments m = dfm_moments(*p.path, 10, 1);
  for (const std::string g : {"G1", "G2"}) {
    const long N = dfm_steps_needed(false, 0.001, g, 0.1, 2, m, 1.0, 0.05);
    ASSERT_GT(N, 1);
    EXPECT_LE(dfm_brackets(0.001, g, N, 0.1, 2, m).fu, 0.05);
    EXPECT_GT(dfm_brackets(0.001, g, N - 1, 0.1, 2, m).fu, 0.05);
  }
  const long No = dfm_steps_needed(true, 0.001, "G1", 0, 2, m, 1.0, 0.05);
  EXPECT_EQ(No, static_cast<long>(std::ceil(dfm_brackets(0, "G1", 1, 0, 2, m).F_orig / 0.049)));
  EXPECT_EQ(dfm_steps_needed(false, 0.06, "G1", 0, 2, m, 1.0, 0.05), -1);  // C ε² ≥ η
}

TEST(DfmErrors, BadInputIsAUsageError) {
  auto usage = [](auto&& f) {
    try {
      f();
    } catch (const fm::Error& e) {
      return e.kind() == fm::ErrorKind::Usage;
    }
    return false;
  };
  EXPECT_TRUE(usage([] { problem(kShifted, 0.0); }));
  EXPECT_TRUE(usage([] { problem(kShifted, -1.0); }));
  const DfmProblem p = problem(kShifted, 1.0);
  EXPECT_TRUE(usage([&] {
    DfmOptions o = steps(8);
    o.grid = "G2";
    o.delta = 0.5;
    run(p, o);
  }));
  EXPECT_TRUE(usage([&] {
    DfmOptions o = steps(8);
    o.grid = "G3";
    o.delta = 0;
    run(p, o);
  }));
  EXPECT_TRUE(usage([] {
    DfmOptions o = steps(8);
    o.kl_method = "grid";
    run(problem(R"({"dim": 3, "target": {"type": "gaussian", "mean": [0], "std": 1}})", 1.0), o);
  }));
  EXPECT_TRUE(usage([] { problem(R"({"target": {"type": "gaussian", "mean": [0, 0], "cov": [[1, 1], [1, 1]]}})", 1.0); }));
  EXPECT_TRUE(usage([] { problem(R"({"target": {"type": "gaussian", "mean": [0], "std": 1}, "coupling": {"type": "blocks", "weights": [[0.5]]}})", 1.0); }));
}

// DfmOptions::validate refuses every out-of-range number and unknown name before any work, and
// evaluate_dfm calls it (a spec built in code gets the same checks as fm-bound's flags).
TEST(DfmErrors, OptionsValidateEveryField) {
  const auto message = [](const DfmOptions& o) -> std::string {
    try {
      o.validate();
    } catch (const fm::Error& e) {
      return e.kind() == fm::ErrorKind::Usage ? e.what() : "";
    }
    return "";
  };
  EXPECT_EQ(message(steps(8)), "");
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const std::pair<std::function<void(DfmOptions&)>, std::string> cases[] = {
      {[](DfmOptions& o) { o.grid = "G4"; }, "--grid"},
      {[](DfmOptions& o) { o.steps = 0; }, "--steps"},
      {[](DfmOptions& o) { o.steps = -1; }, "--steps"},
      {[](DfmOptions& o) { o.steps = 1'000'000'000'000L; }, "--steps"},
      {[&](DfmOptions& o) { o.delta = nan; }, "--delta"},
      {[](DfmOptions& o) { o.delta = -0.1; }, "--delta"},
      {[](DfmOptions& o) { o.kl_method = "exact"; }, "--kl-method"},
      {[](DfmOptions& o) { o.path_method = "mc"; }, "--path-method"},
      {[](DfmOptions& o) { o.mc.paths = 1; }, "--paths"},
      {[](DfmOptions& o) { o.eps_samples = 0; }, "--eps-samples"},
      {[&](DfmOptions& o) { o.box.L = inf; }, "--box"},
      {[](DfmOptions& o) { o.box.L = -1; }, "--box"},
      {[&](DfmOptions& o) { o.constant = nan; }, "--constant"},
      {[](DfmOptions& o) { o.constant = 0; }, "--constant"},
      {[](DfmOptions& o) { o.target_kl = -1; }, "--target-kl"},
      {[&](DfmOptions& o) { o.target_kl = inf; }, "--target-kl"},
      // The nested options: the Monte-Carlo path estimator's and the density grid's.
      {[](DfmOptions& o) { o.mc.substeps_min = 0; }, "kl_path"},
      {[&](DfmOptions& o) { o.mc.substep_max = nan; }, "kl_path"},
      {[&](DfmOptions& o) { o.box.dx = nan; }, "grid KL"},
      {[](DfmOptions& o) { o.box.kernel_sds = 0; }, "grid KL"},
      {[](DfmOptions& o) { o.box.max_points = 0; }, "grid KL"},
      {[&](DfmOptions& o) { o.box.max_work = inf; }, "grid KL"},
  };
  for (const auto& [edit, flag] : cases) {
    DfmOptions o = steps(8);
    edit(o);
    EXPECT_EQ(message(o).rfind(flag + ":", 0), 0u) << flag << ": " << message(o);
  }
  DfmOptions bad = steps(8);
  bad.mc.paths = 0;
  EXPECT_THROW(run(problem(kShifted, 1.0), bad), fm::Error);
}

}  // namespace

namespace {

// I4 (dfm.md §1.3): E[b(t, X_t)] = E[X1 − X0] for every t and coupling — here a component-coupled
// mixture, where the drift is a genuine mixture of block drifts.
TEST(DfmIdentities, MeanDriftIsTheMeanDisplacement) {
  const DfmProblem p = problem(R"({"source": {"type": "gmm", "weights": [0.3, 0.7], "means": [[-1], [1]], "stds": [0.6, 0.4]},
      "target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [3]], "stds": [0.5, 0.3]},
      "coupling": {"type": "blocks", "weights": [[0.3, 0], [0.2, 0.5]]}})", 1.3);
  double disp = 0;
  for (const auto& b : p.path->blocks()) disp += b.weight * (b.m1 - b.m0)[0];
  const field::MixturePathField drift(p.path, path::FieldKind::Drift);
  for (double t : {0.1, 0.5, 0.9}) {
    Rng rng(5, "i4", static_cast<std::uint64_t>(t * 10));
    const Mat x = p.path->sample(t, 200000, rng);
    const Vec b = drift.value(x, t).col(0);
    const double mean = b.mean(), se = std::sqrt((b.array() - mean).square().mean() / static_cast<double>(b.size()));
    EXPECT_NEAR(mean, disp, 4 * se) << "t = " << t;
  }
}

}  // namespace
