// Training couplings (theory/sdfm.md §3, §5): exact OT keeps every noise and permutes the targets
// optimally; Sinkhorn row sampling uses each noise once; the semidiscrete coupling pairs each
// noise with its argmax cell; all are deterministic in (seed, step).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/coupling/minibatch_ot.hpp"
#include "fmkit/coupling/semidiscrete_coupling.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/ot/network_simplex.hpp"

using namespace fm;

namespace {

Mat data(Index n) {
  Rng rng(1, "couplings/data");
  Mat y = rng.normal(n, 2);
  y.col(0).array() += 3;
  return y;
}

// Mean ⟨x0, x1⟩ of a coupling's pairs over draws 0–3 of 256: how close to optimal its pairs are.
double mean_pair_dot(coupling::Coupling& c) {
  coupling::PairBatch b;
  double dot = 0;
  for (long step = 0; step < 4; ++step) {
    c.draw(step, 256, b);
    dot += (b.x0.array() * b.x1.array()).rowwise().sum().mean() / 4;
  }
  return dot;
}

// Plain Sinkhorn (ε_rel = 0.03) and the same spec with `key` set to `value`, on the same noise and
// data: each one's mean pair dot over 4 steps and its diagnostics.
struct AgainstPlain {
  double dot_plain = 0, dot_variant = 0;
  cfg::json plain, variant;
};

const cfg::json kPlainSinkhorn = {{"type", "sinkhorn"}, {"eps_rel", 0.03}};

AgainstPlain sinkhorn_against_plain(const std::string& key, const cfg::json& value) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(500), false, 8);
  cfg::json vspec = kPlainSinkhorn;
  vspec[key] = value;
  coupling::MinibatchOtCoupling plain(kPlainSinkhorn, mu, t, 8), variant(vspec, mu, t, 8);
  AgainstPlain r;
  r.dot_plain = mean_pair_dot(plain);
  r.dot_variant = mean_pair_dot(variant);
  io::Summary sp, sv;
  plain.diagnostics(sp);
  variant.diagnostics(sv);
  r.plain = sp.to_json();
  r.variant = sv.to_json();
  return r;
}

// The Sinkhorn spec with `key` set to `value` is refused, with `message` in the error.
void expect_sinkhorn_refuses(const std::string& key, const cfg::json& value, const std::string& message) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(500), false, 8);
  cfg::json bad = kPlainSinkhorn;
  bad[key] = value;
  try {
    coupling::MinibatchOtCoupling c(bad, mu, t, 8);
    ADD_FAILURE() << key << " " << value.dump() << " accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Couplings, ExactOtPermutesTheTargetsOptimally) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(500), false, 7);
  coupling::MinibatchOtCoupling c({{"type", "exact_ot"}, {"cost", "sqeuclid"}}, mu, t, 7);
  coupling::PairBatch b;
  c.draw(3, 64, b);
  // The noises are the step's fresh draws, in order; the targets are the step's draws, permuted.
  Rng rng(7, "train/source", 3);
  EXPECT_EQ((b.x0 - mu->sample(64, rng)).norm(), 0.0);
  const Mat x1 = t.draw(3, 64);
  const auto best = ot::exact_assignment(ot::sq_euclidean_cost(b.x0, x1));
  double cost = 0;
  for (Index i = 0; i < 64; ++i) cost += (b.x0.row(i) - b.x1.row(i)).squaredNorm() / 64;
  EXPECT_NEAR(cost, best.cost, 1e-12);
  // A permutation of the drawn targets: the same multiset of rows.
  auto sorted = [](const Mat& m) {
    std::vector<double> v(m.data(), m.data() + m.size());
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(b.x1), sorted(x1));
  coupling::PairBatch again;
  c.draw(3, 64, again);
  EXPECT_EQ((again.x1 - b.x1).norm(), 0.0);
}

TEST(Couplings, SinkhornRowSamplingKeepsEveryNoise) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(500), false, 8);
  coupling::MinibatchOtCoupling row({{"type", "sinkhorn"}, {"eps_rel", 0.01}}, mu, t, 8);
  coupling::PairBatch b;
  row.draw(0, 128, b);
  Rng rng(8, "train/source", 0);
  EXPECT_EQ((b.x0 - mu->sample(128, rng)).norm(), 0.0);
  // At small ε the pairs approach the optimal ones: mean ⟨x0, x1⟩ is near the exact OT's.
  const Mat x1 = t.draw(0, 128);
  const auto best = ot::exact_assignment(-(b.x0 * x1.transpose()));
  const double dot = (b.x0.array() * b.x1.array()).rowwise().sum().mean();
  EXPECT_NEAR(dot, -best.cost, 0.05 * std::abs(best.cost));
  io::Summary s;
  row.diagnostics(s);
  EXPECT_EQ(s.to_json()["sinkhorn_unconverged_fraction"].get<double>(), 0.0);
  coupling::MinibatchOtCoupling flat({{"type", "sinkhorn"}, {"eps_rel", 0.01}, {"sampling", "flattened"}}, mu, t, 8);
  flat.draw(0, 128, b);
  EXPECT_EQ(b.x0.rows(), 128);
}

// "precision": "float" solves in single precision: it converges to the same tolerance, and its
// pairs are as good as the double solve's (the plans differ by round-off only, far below tol).
TEST(Couplings, SinkhornInSinglePrecisionPairsLikeDouble) {
  const AgainstPlain r = sinkhorn_against_plain("precision", "float");
  EXPECT_NEAR(r.dot_variant, r.dot_plain, 0.01 * std::abs(r.dot_plain));
  EXPECT_EQ(r.variant["sinkhorn_unconverged_fraction"].get<double>(), 0.0);
  EXPECT_LT(r.variant["sinkhorn_max_marginal_error"].get<double>(), 1e-3);
  // It did run in float: the solves are not the double ones.
  EXPECT_NE(r.variant["sinkhorn_mean_marginal_error"].get<double>(), r.plain["sinkhorn_mean_marginal_error"].get<double>());
  EXPECT_NEAR(r.variant["sinkhorn_mean_entropy"].get<double>(), r.plain["sinkhorn_mean_entropy"].get<double>(), 1e-3);
  expect_sinkhorn_refuses("precision", "half", "coupling.precision: expected double or float, got 'half'");
}

// "omega": "auto" over-relaxes each solve: fewer iterations to the same tolerance on both
// marginals, and pairs as good as plain Sinkhorn's. Bad values are refused naming the key.
TEST(Couplings, SinkhornOverRelaxedPairsLikePlainInFewerIterations) {
  const AgainstPlain r = sinkhorn_against_plain("omega", "auto");
  EXPECT_NEAR(r.dot_variant, r.dot_plain, 0.01 * std::abs(r.dot_plain));
  EXPECT_EQ(r.variant["sinkhorn_unconverged_fraction"].get<double>(), 0.0);
  EXPECT_LT(r.variant["sinkhorn_max_marginal_error"].get<double>(), 1e-3);
  // Measured: 46.5 against 60.2 iterations per solve at n = 256, ε_rel = 0.03, tol 1e-3.
  EXPECT_LT(r.variant["sinkhorn_mean_iterations"].get<double>(), 0.85 * r.plain["sinkhorn_mean_iterations"].get<double>());
  for (const cfg::json& om : {cfg::json(2.0), cfg::json(0.5), cfg::json(0), cfg::json(-1), cfg::json(1e12), cfg::json(1e19),
                              cfg::json(std::numeric_limits<double>::quiet_NaN()), cfg::json("fast"), cfg::json(true)})
    expect_sinkhorn_refuses("omega", om, "coupling.omega: expected");
}

// The warm-started Sinkhorn coupling converges like the cold one and stays a function of (seed, step):
// a fresh coupling drawing step 5 directly (a resumed run) gives the same pairs as one that drew 0–5.
TEST(Couplings, SinkhornWarmStartConvergesAndResumesBitIdentically) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(500), false, 9);
  const cfg::json spec = {{"type", "sinkhorn"}, {"eps_rel", 0.03}, {"warm_start", true}};
  coupling::MinibatchOtCoupling run(spec, mu, t, 9), resumed(spec, mu, t, 9);
  coupling::PairBatch b, r;
  for (long step = 0; step <= 5; ++step) run.draw(step, 128, b);
  resumed.draw(5, 128, r);
  EXPECT_EQ((b.x0 - r.x0).norm(), 0.0);
  EXPECT_EQ((b.x1 - r.x1).norm(), 0.0);
  io::Summary s;
  run.diagnostics(s);
  EXPECT_EQ(s.to_json()["sinkhorn_unconverged_fraction"].get<double>(), 0.0);
  EXPECT_LT(s.to_json()["sinkhorn_max_marginal_error"].get<double>(), 1e-3);
}

// A decoupled OT batch larger than the training batch: 512 pairs solved once, served over 4 steps of
// 128; the 4 steps together are an optimal assignment, and a resumed run draws the same pairs.
TEST(Couplings, LargeOtBatchIsServedOverConsecutiveSteps) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(2000), false, 4);
  const cfg::json spec = {{"type", "exact_ot"}, {"cost", "sqeuclid"}, {"ot_batch", 512}};
  coupling::MinibatchOtCoupling c(spec, mu, t, 4), resumed(spec, mu, t, 4);
  Mat x0(512, 2), x1(512, 2);
  coupling::PairBatch b;
  for (long step = 4; step < 8; ++step) {  // block 1
    c.draw(step, 128, b);
    x0.middleRows((step - 4) * 128, 128) = b.x0;
    x1.middleRows((step - 4) * 128, 128) = b.x1;
  }
  double cost = 0;
  for (Index i = 0; i < 512; ++i) cost += (x0.row(i) - x1.row(i)).squaredNorm() / 512;
  EXPECT_NEAR(cost, ot::exact_assignment(ot::sq_euclidean_cost(x0, x1)).cost, 1e-12);
  coupling::PairBatch r;
  resumed.draw(6, 128, r);
  EXPECT_EQ((r.x0 - x0.middleRows(256, 128)).norm(), 0.0);
  EXPECT_EQ((r.x1 - x1.middleRows(256, 128)).norm(), 0.0);
  c.draw(8, 128, b);  // block 2: a new problem
  EXPECT_GT((b.x0 - x0.topRows(128)).norm(), 1.0);
  coupling::MinibatchOtCoupling odd({{"type", "exact_ot"}, {"ot_batch", 300}}, mu, t, 4);
  EXPECT_THROW(odd.draw(0, 128, b), Error);
}

TEST(Couplings, SemidiscretePairsEachNoiseWithItsCell) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Mat y = data(200);
  coupling::TargetSampler t(y, true, 9);
  coupling::SemidiscreteCoupling c({{"type", "semidiscrete"}, {"target_chi2", 0.05}}, mu, t, 9);
  // Stopped at χ̂² ≤ 0.05 on the fixed evaluation set; the reported χ² is on fresh noises.
  EXPECT_EQ(c.potential().status, Status::Converged);
  EXPECT_LE(c.potential().chi2.value, 0.05 + 3 * c.potential().chi2.se + 0.02);
  coupling::PairBatch b;
  c.draw(5, 256, b);
  const Vec& g = c.potential().g;
  for (Index i = 0; i < 256; ++i) {
    Index best = 0;
    for (Index j = 1; j < y.rows(); ++j)
      if (g[j] + b.x0.row(i).dot(y.row(j)) > g[best] + b.x0.row(i).dot(y.row(best))) best = j;
    EXPECT_EQ((b.x1.row(i) - y.row(best)).norm(), 0.0) << i;
  }
  // A distribution target has no atoms: refused.
  coupling::TargetSampler cont(mu, 9);
  EXPECT_THROW(coupling::SemidiscreteCoupling({{"type", "semidiscrete"}}, mu, cont, 9), fm::Error);
}

TEST(Couplings, SemidiscreteEvalEverySetsTheChi2Checks) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(200), true, 9);
  // target_chi2 0 runs every step, so the checks are exactly steps / eval_every (default steps / 20).
  coupling::SemidiscreteCoupling fine(
      {{"type", "semidiscrete"}, {"target_chi2", 0}, {"steps", 600}, {"eval_every", 25}}, mu, t, 9);
  EXPECT_EQ(fine.potential().history_chi2.size(), 24u);
  EXPECT_EQ(fine.potential().history_step.front(), 25);
  coupling::SemidiscreteCoupling coarse({{"type", "semidiscrete"}, {"target_chi2", 0}, {"steps", 600}}, mu, t, 9);
  EXPECT_EQ(coarse.potential().history_chi2.size(), 20u);
  for (const long bad : {0L, -5L}) {
    try {
      coupling::SemidiscreteCoupling({{"type", "semidiscrete"}, {"eval_every", bad}}, mu, t, 9);
      ADD_FAILURE() << "eval_every " << bad << " accepted";
    } catch (const fm::Error& e) {
      EXPECT_NE(std::string(e.what()).find("coupling.eval_every: expected an integer in [1, "), std::string::npos)
          << e.what();
    }
  }
}

// "eval_batch" sizes the χ̂² checks: their standard error is about √(2N) / (4 eval_batch) near the
// optimum (16 batches), so 4× the batch is about 1/4 the error, on the same fit. Every bad value is
// refused by name before any fitting.
TEST(Couplings, SemidiscreteEvalBatchSetsTheChi2Error) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(200), true, 9);
  const cfg::json base = {{"type", "semidiscrete"}, {"target_chi2", 0}, {"steps", 4000}};
  cfg::json big = base;
  big["eval_batch"] = 2000;  // about 4× the default at N = 200, max(256, 35 √200) = 494
  EXPECT_EQ(coupling::parse_semidiscrete_spec(big, "coupling").opts.eval_batch, 2000);
  EXPECT_EQ(coupling::parse_semidiscrete_spec(base, "coupling").opts.eval_batch, 0);  // automatic
  const coupling::SemidiscreteCoupling dflt(base, mu, t, 9), fine(big, mu, t, 9);
  const double ratio = fine.potential().chi2.se / dflt.potential().chi2.se;
  EXPECT_GT(ratio, 0.15);
  EXPECT_LT(ratio, 0.40);
  const double predicted = std::sqrt(2.0 * 199) / (4 * 2000.0);
  EXPECT_NEAR(fine.potential().chi2.se, predicted, 0.5 * predicted);
  for (const cfg::json& bad : {cfg::json(0), cfg::json(-5), cfg::json(2.5), cfg::json(1e12), cfg::json("nan"),
                               cfg::json(nullptr)}) {
    cfg::json spec = base;
    spec["eval_batch"] = bad;
    try {
      coupling::SemidiscreteCoupling(spec, mu, t, 9);
      ADD_FAILURE() << "eval_batch " << bad.dump() << " accepted";
    } catch (const fm::Error& e) {
      EXPECT_NE(std::string(e.what()).find("coupling.eval_batch"), std::string::npos) << e.what();
    }
  }
}

// "average" selects the iterate averaging; anything but "tail" or "suffix" is refused by name.
TEST(Couplings, SemidiscreteAverageIsTailOrSuffix) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  coupling::TargetSampler t(data(200), true, 9);
  EXPECT_EQ(coupling::parse_semidiscrete_spec({{"type", "semidiscrete"}}, "coupling").opts.average, ot::Averaging::Tail);
  EXPECT_EQ(coupling::parse_semidiscrete_spec({{"type", "semidiscrete"}, {"average", "suffix"}}, "coupling").opts.average,
            ot::Averaging::Suffix);
  for (const cfg::json& bad : {cfg::json("mean"), cfg::json(""), cfg::json(0.5), cfg::json(nullptr)}) {
    try {
      coupling::SemidiscreteCoupling({{"type", "semidiscrete"}, {"average", bad}}, mu, t, 9);
      ADD_FAILURE() << "average " << bad.dump() << " accepted";
    } catch (const fm::Error& e) {
      EXPECT_NE(std::string(e.what()).find("coupling.average"), std::string::npos) << e.what();
    }
  }
}

// An approximate index as the pairing's search (issue 23 §3): the coupling pairs through it and
// reports its recall and χ² beside the exact search's; misuse is refused before the fit.
TEST(Couplings, SemidiscreteWithAnApproximateIndexReportsItsQuality) {
  auto mu = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(2));
  const Mat y = data(200);
  coupling::TargetSampler t(y, true, 9);
  const cfg::json spec = {{"type", "semidiscrete"}, {"target_chi2", 0.05},
                          {"mips", {{"method", "ivf"}, {"ivf_nlist", 16}, {"ivf_nprobe", 16}}}};
  coupling::SemidiscreteCoupling c(spec, mu, t, 9);
  io::Summary summary;
  c.diagnostics(summary);
  const cfg::json s = summary.to_json();
  EXPECT_EQ(s.at("mips"), "ivf");
  EXPECT_GT(s.at("mips_recall").get<double>(), 0.999);  // every list probed: exhaustive
  EXPECT_NEAR(s.at("mips_chi2").get<double>(), s.at("mips_chi2_exact").get<double>(), 0.01);
  coupling::PairBatch b;
  c.draw(5, 256, b);
  coupling::SemidiscreteCoupling exact({{"type", "semidiscrete"}, {"target_chi2", 0.05}}, mu, t, 9);
  coupling::PairBatch e;
  exact.draw(5, 256, e);
  EXPECT_LT((b.x1 - e.x1).rowwise().norm().cwiseMin(1.0).sum(), 3.0);  // the same pairs, up to float ties
  io::Summary none;
  exact.diagnostics(none);
  EXPECT_FALSE(none.to_json().contains("mips_recall"));
  for (const cfg::json& bad :
       {cfg::json{{"type", "semidiscrete"}, {"eps_rel", 0.1}, {"mips", {{"method", "hnsw"}}}},
        cfg::json{{"type", "semidiscrete"}, {"mips", {{"method", "lsh"}}}},
        cfg::json{{"type", "semidiscrete"}, {"mips", {{"method", "hnsw"}, {"hnsw_m", 0}}}},
        cfg::json{{"type", "semidiscrete"}, {"mips", {{"method", "ivf"}, {"ivf_nlist", 1000}}}}}) {
    EXPECT_THROW(coupling::SemidiscreteCoupling(bad, mu, t, 9), fm::Error) << bad.dump();
  }
}

}  // namespace
