// Every config-driven program has one shape: defaults ← --config ← flags ← --set, one strict
// merge, then --dump-config prints the resolved config and runs the same checks as a run. A
// typed section given in part keeps its defaults; an unknown key is refused naming it. The
// flag-driven programs (fm-ot, fm-bound) refuse these flags: tests/cli/test_fm_ot.cpp and
// test_fm_bound.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fm::cfg::json;

namespace {

// A partial typed section merges with its default: the target's type (toy2d) is kept.
TEST(ProgramShape, PartialTargetSectionKeepsItsType) {
  auto r = run("fm-train", "--set target.name=moons --set target.noise=0.2 --dump-config");
  ASSERT_EQ(r.code, 0) << r.err;
  const json c = json::parse(r.out);
  EXPECT_EQ(c["target"], (json{{"type", "toy2d"}, {"name", "moons"}, {"noise", 0.2}}));
  // Naming another type replaces the section whole (its defaults mean nothing to a gaussian).
  r = run("fm-train", "--set 'target={\"type\":\"gaussian\",\"mean\":[1,2]}' --dump-config");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["target"], (json{{"type", "gaussian"}, {"mean", {1, 2}}}));
  // A key the section's parser does not know is refused by the checks --dump-config runs.
  r = run("fm-train", "--set target.nosie=0.2 --dump-config");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nosie"), std::string::npos) << r.err;
  // And the merged section trains: a moons run, its seed from --seed.
  const std::string out = scratch("moons.h5");
  r = run("fm-train", "--set target.name=moons --set train.steps=20 --seed 7 --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const json stored = json::parse(fm::io::H5File::open(out).read_string("/config"));
  EXPECT_EQ(stored["target"]["name"], "moons");
  EXPECT_EQ(stored["seed"], 7);
}

TEST(ProgramShape, FmTrainRefusesToTrainForNothing) {
  const auto r = run("fm-train", "--set train.steps=10");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
}

// A short run at the default EMA decay is told that its sampled weights are mostly initial ones
// (0.999^300 = 74 %); a long enough run, or a smaller decay, is not.
TEST(ProgramShape, FmTrainWarnsWhenTheEmaIsStillWarmingUp) {
  auto r = run("fm-train", "--set train.steps=300 --out " + scratch("short.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("74 % of the initial weights"), std::string::npos) << r.err;
  r = run("fm-train", "--set train.steps=300 --set train.ema=0.9 --out " + scratch("short2.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

// For every config-driven program: --set reaches the printed config, and an unknown key is a
// one-line usage error naming it, with no output file.
TEST(ProgramShape, SetAndDumpConfigInEveryConfigProgram) {
  struct Case {
    std::string program, config, key, value;
  };
  const std::string cfgs = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/";
  const Case cases[] = {
      {"fm-train", "", "train.lr", "0.002"},
      {"fm-sample", "--config " + cfgs + "exact_flow.json", "sample.n", "123"},
      {"fm-kl-study", "--config " + cfgs + "kl_quick.json", "seed", "5"},
      {"fm-dfm-study", "--config " + cfgs + "dfm_quick.json", "seed", "5"},
      {"fm-tv-study", "--config " + cfgs + "tv_quick.json", "seed", "5"},
      {"fm-sdfm-study", "--config " + cfgs + "sdfm_quick.json", "seed", "5"},
  };
  for (const Case& c : cases) {
    auto r = run(c.program, c.config + " --set " + c.key + "=" + c.value + " --dump-config");
    ASSERT_EQ(r.code, 0) << c.program << ": " << r.err;
    json node = json::parse(r.out);
    for (std::size_t a = 0, b; a != std::string::npos; a = b == std::string::npos ? b : b + 1) {
      b = c.key.find('.', a);
      node = node.at(c.key.substr(a, b == std::string::npos ? b : b - a));
    }
    EXPECT_EQ(node, json::parse(c.value)) << c.program;
    const std::string out = scratch("shape.h5");
    r = run(c.program, c.config + " --set bogus_key=1 --out " + out);
    EXPECT_EQ(r.code, 2) << c.program;
    EXPECT_NE(r.err.find("bogus_key"), std::string::npos) << c.program << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.program;
  }
}

// A study's config is parsed whole into its spec before any work: an error in its last part
// stops the run with exit 2 and one line naming the key, before the study's bar starts and before
// the output file exists.
TEST(ProgramShape, StudyConfigErrorsStopBeforeAnyWork) {
  struct Case {
    std::string program, args, message;
  };
  const std::string cfgs = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/";
  const std::string sdfm = scratch("shape_sdfm.json");
  // The last dataset lacks n_test; the first would train for minutes.
  std::ofstream(sdfm) << R"({"seeds": [0], "datasets": [
      {"name": "a", "target": {"type": "toy2d", "name": "moons"}, "n_train": 500, "n_test": 500},
      {"name": "b", "target": {"type": "gaussian", "mean": [0.0, 1.0]}, "n_train": 500}],
    "couplings": [{"label": "I", "spec": {"type": "independent"}}]})";
  const std::string sdfm_batch = scratch("shape_sdfm_batch.json");
  // A minibatch coupling whose OT batch does not divide the training batch of the last dataset.
  std::ofstream(sdfm_batch) << R"({"seeds": [0], "train": {"batch": 256}, "datasets": [
      {"name": "a", "target": {"type": "toy2d", "name": "moons"}, "n_train": 500, "n_test": 500},
      {"name": "b", "target": {"type": "toy2d", "name": "moons"}, "n_train": 500, "n_test": 500,
       "train": {"batch": 96}}],
    "couplings": [{"label": "OT", "spec": {"type": "exact_ot", "ot_batch": 64}}]})";
  const std::string dfm = scratch("shape_dfm.json");
  // The second block names an unknown method; the first alone runs for seconds.
  std::ofstream(dfm) << R"({"experiments": [
      {"experiment": "E1", "family": "f", "problem": {"target": {"type": "gaussian", "mean": [0], "std": 1}},
       "steps": [8, 16, 32, 64, 128, 256, 512, 1024]},
      {"experiment": "E1", "family": "f", "problem": {"target": {"type": "gaussian", "mean": [0], "std": 1}},
       "steps": [8], "kl_method": "exact"}]})";
  const Case cases[] = {
      {"fm-sdfm-study", "--config " + sdfm, "config.datasets[1].n_test"},
      {"fm-sdfm-study", "--config " + sdfm_batch, "config.couplings[0].spec.ot_batch: 64 does not divide the batch of 96"},
      {"fm-kl-study", "--config " + cfgs + "kl_quick.json --set 'g2b.hidden=[0]'", "g2b: "},
      {"fm-dfm-study", "--config " + dfm, "config.experiments[1].kl_method: expected auto"},
      {"fm-tv-study", "--config " + cfgs + "tv_quick.json --set bootstrap.level=1", "bootstrap.level"},
      {"fm-train", "--set 'coupling={\"type\":\"exact_ot\",\"ot_batch\":96}' --set train.steps=10",
       "coupling.ot_batch: 96 does not divide the batch of 256"},
  };
  ::setenv("FMKIT_PROGRESS", "0.001", 1);  // a bar that started would log its start line
  for (const Case& c : cases) {
    const std::string out = scratch("shape_early.h5");
    std::filesystem::remove(out);
    const auto r = run(c.program, c.args + " --out " + out);
    EXPECT_EQ(r.code, 2) << c.program << " " << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.program << ": " << r.err;
    EXPECT_EQ(r.err.find("started"), std::string::npos) << c.program << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.program << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.program;
  }
  ::unsetenv("FMKIT_PROGRESS");
}

// "0 = automatic" is resolved where the rule lives and reported resolved: a minibatch coupling's
// OT batch of 0 is the training batch.
TEST(ProgramShape, MinibatchOtBatchIsReportedResolved) {
  for (const char* spec : {R"({"type":"exact_ot"})", R"({"type":"sinkhorn","ot_batch":32})"}) {
    const auto r = run("fm-train", std::string("--set train.steps=4 --set train.batch=64 --set train.eval_every=4 ") +
                                       "--set 'coupling=" + spec + "' --json --force --out " + scratch("otbatch.h5"));
    ASSERT_EQ(r.code, 0) << r.err;
    const json s = json::parse(r.out);
    EXPECT_EQ(s["ot_batch"], std::string(spec).find("32") == std::string::npos ? 64 : 32) << spec;
  }
}

}  // namespace
