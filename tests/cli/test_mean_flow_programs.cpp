// Mean flows through the programs: fm-train's meanflow objective, fm-sample's k-step sampler and
// its refusals, and the SD-FM study's mean-flow block (its /mean_flow table and bad blocks).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

// A mean-flow model of N(m, 0.5² I): one step of U lands near the target (mean within 0.15 of m;
// the untrained net's samples sit at N(0, I), 1.5 away in the first coordinate). The run file says
// what it is.
TEST(MeanFlowPrograms, TrainAndSampleInKSteps) {
  const std::string run_file = scratch("mf.h5"), samples = scratch("mf_samples.h5");
  auto r = run("fm-train", "--set 'target={\"type\":\"gaussian\",\"mean\":[1.5,-0.5],\"std\":0.5}' "
                           "--set 'objective={\"type\":\"meanflow\"}' --set train.steps=3000 --set train.eval_every=1000 "
                           "--set train.ema=0.99 --json --out " + run_file);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["status"], "complete");
  EXPECT_TRUE(j.contains("eps"));  // the error of U(x, t, t) against the exact velocity
  const auto spec = fm::cfg::json::parse(fm::io::H5File::open(run_file).read_string("/model/spec"));
  EXPECT_EQ(spec["output"], "meanflow");
  EXPECT_EQ(spec["mlp"]["times"], 2);
  r = run("fm-sample", "--model " + run_file + " --steps 1 --n 2000 --json --out " + samples);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["nfe"], 1);
  const fm::Mat x = fm::io::H5File::open(samples).read_matrix("/samples");
  EXPECT_NEAR(x.col(0).mean(), 1.5, 0.15);
  EXPECT_NEAR(x.col(1).mean(), -0.5, 0.15);
  // The ODE solvers integrate U(x, t, t); em has no drift to use; --steps is the meanflow sampler's.
  EXPECT_EQ(run("fm-sample", "--model " + run_file + " --solver euler --nfe 8 --n 10").code, 0);
  for (const std::string& bad : {std::string("--solver em --n 10"), std::string("--steps 2 --solver euler --n 10"),
                                 std::string("--steps 2 --nfe 4 --n 10"), std::string("--steps 0 --n 10")}) {
    r = run("fm-sample", "--model " + run_file + " " + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
  }
  // The meanflow sampler on an FM model is refused, naming the objective it needs.
  const std::string fm_run = scratch("fm_for_mf.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=20 --out " + fm_run).code, 0);
  r = run("fm-sample", "--model " + fm_run + " --steps 1 --n 10");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("meanflow"), std::string::npos) << r.err;
  // Objective keys are checked.
  r = run("fm-train", "--set 'objective={\"type\":\"meanflow\",\"equal_fraction\":1.5}' --out " + scratch("bad_mf.h5"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("equal_fraction"), std::string::npos) << r.err;
}

const char* kConfig = R"({"seed": 3, "seeds": [0],
  "train": {"steps": 300, "batch": 128, "hidden": [32, 32], "lr": 0.002, "ema": 0.99},
  "eval": {"n": 400, "w2_n": 300, "euler": [1, 2], "heun": [], "dopri5": false, "straightness_n": 100},
  "datasets": [{"name": "8gauss", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 400, "n_test": 400}],
  "couplings": [{"label": "I-FM", "role": "independent", "spec": {"type": "independent"}},
                {"label": "SD", "role": "sd", "spec": {"type": "semidiscrete", "target_chi2": 0.1, "steps": 4000}}],
  "mean_flow": {"datasets": ["8gauss"], "nfe": [1, 2], "objective": {"type": "meanflow"},
                "couplings": [{"label": "I-MF", "role": "independent", "spec": {"type": "independent"}},
                              {"label": "SD-MF", "role": "sd", "spec": {"type": "semidiscrete", "target_chi2": 0.1, "steps": 4000}}]}})";

TEST(MeanFlowPrograms, SdfmStudyBlockWritesTheMeanFlowTable) {
  const std::string cfg = scratch("sdfm_mf.json"), out = scratch("sdfm_mf.h5");
  std::ofstream(cfg) << kConfig;
  auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto coupling = f.read_strings("/mean_flow/coupling"), role = f.read_strings("/mean_flow/role");
  const auto nfe = f.read_ints("/mean_flow/nfe");
  const auto w2 = f.read_doubles("/mean_flow/w2");
  ASSERT_EQ(coupling.size(), 4u);  // 2 couplings × NFE {1, 2}
  EXPECT_EQ(std::set<std::string>(role.begin(), role.end()), (std::set<std::string>{"independent", "sd"}));
  for (double w : w2) EXPECT_GT(w, 0);
  EXPECT_EQ(f.read_strings("/summary/coupling").size(), 2u * 2u);  // the FM rows are unchanged by the block
  // only_couplings selects mean-flow labels too; a bad block is refused before any training.
  r = run("fm-sdfm-study", "--config " + cfg + " --set 'only_couplings=[\"SD-MF\"]' --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["mean_flow"].size(), 2u);
  for (const std::string& bad : {std::string("mean_flow.datasets=[\"nope\"]"), std::string("mean_flow.nfe=[0]"),
                                 std::string("mean_flow.objective={\"type\":\"fm\"}"),
                                 std::string("mean_flow={\"datasets\":[\"8gauss\"],\"nfe\":[1],\"objective\":{\"type\":"
                                             "\"meanflow\"},\"couplings\":[{\"label\":\"SD\",\"role\":\"sd\",\"spec\":"
                                             "{\"type\":\"independent\"}}]}")}) {
    const std::string o = scratch("sdfm_mf_bad.h5");
    r = run("fm-sdfm-study", "--config " + cfg + " --set '" + bad + "' --out " + o);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(o)) << bad;
  }
}

}  // namespace
