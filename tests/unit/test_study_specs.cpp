// The studies' typed specs: a config is parsed once into a spec (every check before any work), a
// spec can be edited in code, and run(spec, output, progress) runs it from memory. The program
// shell (study_main) is only the JSON edge: a library call on the same config gives the same rows.
#include <gtest/gtest.h>

#include <cmath>
#include <variant>

#include "fmkit/core/config.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/study/dfm_study.hpp"
#include "fmkit/study/kl_study.hpp"
#include "fmkit/study/sdfm_study.hpp"
#include "fmkit/study/tv_study.hpp"

using fm::cfg::json;

namespace {

// The first line of the usage error `f` throws ("" if it throws none or another kind).
template <class F>
std::string usage_message(F f) {
  try {
    f();
  } catch (const fm::Error& e) {
    return e.kind() == fm::ErrorKind::Usage ? e.what() : "";
  }
  return "";
}

double number(const fm::io::Table& t, std::size_t row, const std::string& col) {
  return std::visit(
      [](const auto& v) -> double {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) return std::nan("");
        else return static_cast<double>(v);
      },
      t.get(row, col));
}

json dfm_config() {
  json c = fm::study::dfm_study_defaults();
  c["paths"] = 200;
  c["moment_samples"] = 2000;
  c["eps_samples"] = 500;
  // A Gaussian problem (closed-form KL_marg) at three step counts and one perturbed drift.
  c["experiments"] = json::parse(R"([{"experiment": "E1", "family": "gauss",
      "problem": {"dim": 2, "target": {"type": "gaussian", "mean": [1.0, 0.0], "std": 0.5}},
      "steps": [4, 16, 64], "perturbation": ["none", "constant"], "eps": [0.1]}])");
  return c;
}

TEST(StudySpecs, DfmBlocksExpandIntoTypedCasesAndRunFromMemory) {
  const fm::study::DfmStudySpec spec = fm::study::parse_dfm_study(dfm_config());
  // 3 step counts × (exact drift + one perturbation at one ε); one problem shared by all six.
  ASSERT_EQ(spec.cases.size(), 6u);
  EXPECT_EQ(spec.problems.size(), 1u);
  EXPECT_EQ(spec.cases[0].options.steps, 4);
  EXPECT_EQ(spec.cases[0].options.mc.paths, 200);
  EXPECT_FALSE(spec.cases[0].drift.perturbed);
  EXPECT_TRUE(spec.cases[1].drift.perturbed);

  fm::study::StudyProgress silent(false);
  const fm::io::Table t = fm::study::run_dfm_study(spec, nullptr, silent).summary;
  ASSERT_EQ(t.rows(), 6u);
  // KL_marg of the exact drift falls with the step count (Euler–Maruyama's O(h) bias).
  const double kl4 = number(t, 0, "kl_marg"), kl16 = number(t, 2, "kl_marg"), kl64 = number(t, 4, "kl_marg");
  EXPECT_GT(kl4, kl16);
  EXPECT_GT(kl16, kl64);
  EXPECT_GT(kl64, 0);

  // A spec edited in code runs as edited: one case, its steps changed, the same number as the
  // config's 16-step case (the run depends on the spec only, not on the JSON it came from).
  fm::study::DfmStudySpec one = spec;
  one.cases = {spec.cases[0]};
  one.cases[0].options.steps = 16;
  const fm::io::Table t1 = fm::study::run_dfm_study(one, nullptr, silent).summary;
  ASSERT_EQ(t1.rows(), 1u);
  EXPECT_EQ(number(t1, 0, "kl_marg"), kl16);
}

TEST(StudySpecs, DfmRefusesUnknownMethodsBeforeWork) {
  json c = dfm_config();
  c["experiments"][0]["kl_method"] = "exactly";
  EXPECT_EQ(usage_message([&] { fm::study::parse_dfm_study(c); }),
            "config.experiments[0].kl_method: expected auto, gaussian, separable, grid or none, got 'exactly'");
  c = dfm_config();
  c["experiments"][0]["path_method"] = "mc";
  EXPECT_NE(usage_message([&] { fm::study::parse_dfm_study(c); }).find("config.experiments[0].path_method"),
            std::string::npos);
}

TEST(StudySpecs, TvSpecSortsSizesSelectsTargetsAndKeepsTheRecipe) {
  json c = fm::study::tv_study_defaults();
  c["n"] = {1024, 64, 256};
  c["targets"] = json::parse(R"([{"name": "a", "target": {"type": "gaussian", "mean": [0.0], "std": 1.0}},
                                 {"name": "b", "target": {"type": "holder", "beta": 0.5}}])");
  c["only"] = {"b"};
  c["train"]["steps"] = 123;
  const fm::study::TvStudySpec s = fm::study::parse_tv_study(c);
  EXPECT_EQ(s.n, (std::vector<long long>{64, 256, 1024}));
  EXPECT_EQ(s.selected, (std::vector<bool>{false, true}));
  EXPECT_EQ(s.recipes.size(), 3u);
  EXPECT_EQ(s.recipes[2].train.steps, 123);  // unscaled: the same rule at every n
  EXPECT_DOUBLE_EQ(s.targets[1].beta, 0.5);
  EXPECT_DOUBLE_EQ(s.targets[1].minimax, 0.5 / 2.0);  // β/(2β + d), d = 1
  EXPECT_TRUE(std::isinf(s.targets[0].beta));
  c["kde"]["h_hi"] = 0.0005;
  EXPECT_EQ(usage_message([&] { fm::study::parse_tv_study(c); }), "kde: expected 0 < h_lo < h_hi");
}

// train.scale: counts are base·(n/n_ref)^exponent, rounded, at least 1, and refused past their
// limits at the n where they pass them; exponents outside [0, 2] (and non-numbers) are refused.
TEST(StudySpecs, TvScaledRuleRoundsEachCountAndRefusesItsEdges) {
  json c = fm::study::tv_study_defaults();
  c["n"] = {64, 256, 4096};
  c["targets"] = json::parse(R"([{"name": "a", "target": {"type": "gaussian", "mean": [0.0], "std": 1.0}}])");
  c["train"]["steps"] = 1000;
  c["train"]["hidden"] = {10, 20};
  c["train"]["scale"] = {{"n_ref", 256}, {"steps", 0.5}, {"batch", 0.0}, {"width", 0.25}, {"val_size", 1.0}};
  const fm::study::TvStudySpec s = fm::study::parse_tv_study(c);
  ASSERT_EQ(s.recipes.size(), 3u);
  EXPECT_EQ(s.recipes[0].train.steps, 500);    // 1000·(1/4)^½
  EXPECT_EQ(s.recipes[1].train.steps, 1000);
  EXPECT_EQ(s.recipes[2].train.steps, 4000);   // 1000·16^½
  EXPECT_EQ(s.recipes[2].train.batch, 256);    // exponent 0: unchanged
  EXPECT_EQ(s.recipes[0].train.val_size, 1024);  // 4096/4
  EXPECT_EQ(s.recipes[2].train.val_size, 65536);
  EXPECT_EQ(s.recipes[0].model.hidden, (std::vector<fm::Index>{7, 14}));   // 10·0.25^¼ = 7.07, 20·0.707 = 14.1
  EXPECT_EQ(s.recipes[2].model.hidden, (std::vector<fm::Index>{20, 40}));  // 16^¼ = 2
  c["n"] = {256, 100000000};
  c["train"]["scale"]["steps"] = 2.0;
  EXPECT_EQ(usage_message([&] { fm::study::parse_tv_study(c); }),
            "config.train.scale: gives train.steps = 152587890625000.0 at n = 100000000, above 1000000000");
  c["n"] = {256};
  for (const json& bad : {json(-1), json(2.5), json(1e19), json("fast"), json(nullptr)}) {
    c["train"]["scale"]["steps"] = bad;
    EXPECT_NE(usage_message([&] { fm::study::parse_tv_study(c); }).find("train.scale.steps"), std::string::npos)
        << bad.dump();
  }
  c["train"]["scale"]["steps"] = 0;
  for (const json& bad : {json(0), json(-5), json(1e12), json(2.5)}) {
    c["train"]["scale"]["n_ref"] = bad;
    EXPECT_NE(usage_message([&] { fm::study::parse_tv_study(c); }).find("train.scale.n_ref"), std::string::npos)
        << bad.dump();
  }
}

TEST(StudySpecs, KlSpecCarriesEachExperimentAndItsRecipe) {
  json c = fm::study::kl_study_defaults();
  c["e1"]["target_mse"] = {0.1, 0.2};
  const fm::study::KlStudySpec s = fm::study::parse_kl_study(c);
  EXPECT_EQ(s.e1.tag, "E1");
  EXPECT_EQ(s.e1.target_mse, (std::vector<double>{0.1, 0.2}));
  EXPECT_EQ(s.e1.targets.size(), 3u);  // a1, a2, a3
  EXPECT_EQ(s.g1.targets.front().first, "gmm d=2");
  EXPECT_EQ(s.e2b.recipe.train.steps, 400 * 2);  // epochs × batches_per_epoch
  EXPECT_EQ(s.e2a.estimate.seed, 12345u);        // the estimators use eval_seed
  // A bad key of the last experiment is named before any work.
  c["g2b"]["hidden"] = {0};
  EXPECT_NE(usage_message([&] { fm::study::parse_kl_study(c); }).rfind("g2b", 0), std::string::npos);
}

json sdfm_config() {
  return json::parse(R"({"seed": 3, "seeds": [0, 4],
    "train": {"steps": 20, "batch": 64, "hidden": [16]},
    "eval": {"n": 100, "w2_n": 50, "euler": [1], "heun": [], "dopri5": false, "straightness_n": 20},
    "datasets": [{"name": "g", "target": {"type": "gaussian", "mean": [1.0, 0.0], "std": 0.5}, "n_train": 80,
                  "n_test": 60},
                 {"name": "atoms", "target": {"type": "atoms", "m": 30, "dim": 2}, "couplings": ["OT"],
                  "train": {"batch": 32}}],
    "couplings": [{"label": "I", "role": "independent", "spec": {"type": "independent"}},
                  {"label": "OT", "spec": {"type": "exact_ot", "ot_batch": 32}}]})");
}

TEST(StudySpecs, SdfmSpecResolvesRunsSplitsAndSeeds) {
  const json c = fm::cfg::merge_strict(fm::study::sdfm_study_defaults(), sdfm_config(), fm::study::sdfm_study_opaque());
  const fm::study::SdfmStudySpec s = fm::study::parse_sdfm_study(c);
  EXPECT_EQ(s.seeds, (std::vector<std::uint64_t>{0, 4}));
  ASSERT_EQ(s.datasets.size(), 2u);
  EXPECT_EQ(s.datasets[0].runs, (std::vector<bool>{true, true}));
  EXPECT_EQ(s.datasets[1].runs, (std::vector<bool>{false, true}));  // its own coupling subset
  EXPECT_EQ(s.datasets[0].split.n_train, 80);
  EXPECT_EQ(s.datasets[1].split.n_train, 30);  // a discrete target trains on its atoms
  EXPECT_EQ(s.datasets[1].train.train.batch, 32);
  EXPECT_EQ(s.couplings[0].role, "independent");
  EXPECT_EQ(s.total, (2 + 1) * 2);  // training runs × seeds
}

TEST(StudySpecs, SdfmSizesAndBatchesAreCheckedAtParse) {
  const json c = fm::cfg::merge_strict(fm::study::sdfm_study_defaults(), sdfm_config(), fm::study::sdfm_study_opaque());
  json bad = c;
  bad["datasets"][0].erase("n_test");  // a sampled target needs both sizes
  EXPECT_NE(usage_message([&] { fm::study::parse_sdfm_study(bad); }).find("config.datasets[0]"), std::string::npos);
  bad = c;
  bad["datasets"][1]["n_train"] = 10;  // an atoms target's sets are its atoms
  EXPECT_EQ(usage_message([&] { fm::study::parse_sdfm_study(bad); }),
            "config.datasets[1]: a discrete target's training and test sets are its atoms; drop n_train and n_test");
  bad = c;
  bad["couplings"][1]["spec"]["ot_batch"] = 48;  // divides neither batch 64 nor 32
  EXPECT_EQ(usage_message([&] { fm::study::parse_sdfm_study(bad); }),
            "config.couplings[1].spec.ot_batch: 48 does not divide the batch of 64");
}

}  // namespace
