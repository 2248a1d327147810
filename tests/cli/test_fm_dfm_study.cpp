// fm-dfm-study end to end: a small config whose rows must reproduce a check value, keep the chain,
// show the h-rates, and a bad config that must exit 2 without leaving a file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

const char* kConfig = R"({"seed": 7, "paths": 400, "moment_samples": 2000, "eps_samples": 2000, "experiments": [
  {"experiment": "E1", "family": "shifted", "problem": {"target": {"type": "gaussian", "mean": [2], "std": 0.5}},
   "sigma2": 1, "steps": [8, 512]},
  {"experiment": "E1", "family": "gmm", "sigma2": 1, "steps": [16, 64],
   "problem": {"target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "stds": [0.5, 0.5]}}},
  {"experiment": "E2", "family": "stationary", "problem": {"target": {"type": "gaussian", "mean": [0], "std": 1}},
   "sigma2": 2, "steps": [64], "perturbation": ["none", "constant"], "eps": [0.08, 0.16]},
  {"experiment": "E4", "family": "point", "problem": {"target": {"type": "point", "mean": [0]}}, "sigma2": 1,
   "grid": "G3", "delta": [0.01], "steps": [8]},
  {"experiment": "E7", "family": "learned", "sigma2": 1, "steps": [16],
   "problem": {"target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "stds": [0.5, 0.5]}},
   "learned": {"hidden": [16, 16], "steps": 200, "batch": 64, "lr": 0.003, "variants": [{"label": "drift"}]}}]})";

TEST(FmDfmStudy, SmallConfigKeepsTheChainAndReproducesACheckValue) {
  const std::string cfg = scratch("dfm_small.json"), out = scratch("dfm_small.h5");
  std::ofstream(cfg) << kConfig;
  const auto r = run("fm-dfm-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto exp = f.read_strings("/summary/experiment"), fam = f.read_strings("/summary/family");
  const auto method = f.read_strings("/summary/kl_method"), pert = f.read_strings("/summary/perturbation");
  const auto steps = f.read_ints("/summary/steps"), bad1 = f.read_ints("/summary/marg_exceeds_path"),
             bad2 = f.read_ints("/summary/path_exceeds_chain");
  const auto kl = f.read_doubles("/summary/kl_marg"), klp = f.read_doubles("/summary/kl_path"),
             eps2 = f.read_doubles("/summary/eps2");
  ASSERT_EQ(exp.size(), 2u + 2u + 3u + 1u + 1u);  // "none" runs once, not once per ε
  for (std::size_t i = 0; i < exp.size(); ++i) {
    EXPECT_EQ(bad1[i], 0) << i;
    EXPECT_EQ(bad2[i], 0) << i;
    EXPECT_GT(kl[i], 0) << i;
  }
  EXPECT_NEAR(kl[0], 7.4238e-3, 5e-7);  // dfm.md §8, N = 8
  EXPECT_NEAR(kl[1], 1.6750e-6, 5e-10);  // N = 512
  EXPECT_EQ(method[2], "grid");
  EXPECT_GT(kl[2] / kl[3], 10);  // ∝ h²: 16× from N = 16 to 64, up to grid and step effects
  EXPECT_EQ(pert[4], "none");
  EXPECT_NEAR(eps2[5], 0.0064, 1e-12);
  EXPECT_NEAR(klp[5] - klp[4], 0.0064 / 4, 1e-10);  // a constant shift adds ε²/(2σ²) to KL_path
  EXPECT_EQ(steps[7], 73);  // G3, M = 8, δ = 0.01
  EXPECT_EQ(exp[8], "E7");
  EXPECT_GT(eps2[8], 0);
}

TEST(FmDfmStudy, BadConfigExitsTwoAndLeavesNoFile) {
  const std::string cfg = scratch("dfm_bad.json"), out = scratch("dfm_bad.h5");
  std::ofstream(cfg) << R"({"experiments": [{"experiment": "E1", "family": "x", "steps": [8], "sigma2": 0,
     "problem": {"target": {"type": "gaussian", "mean": [0], "std": 1}}}]})";
  auto r = run("fm-dfm-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("sigma2"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  std::ofstream(cfg) << R"({"experiments": [{"experiment": "E1", "family": "x", "step": [8],
     "problem": {"target": {"type": "gaussian", "mean": [0], "std": 1}}}]})";
  r = run("fm-dfm-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("step"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
}

}  // namespace
