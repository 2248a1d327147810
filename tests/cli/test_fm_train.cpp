// fm-train end to end: a trained 8gaussians model is close to held-out data, resume is
// bit-identical, divergence and bad configs exit as documented, fm-sample reads the run.
#include <gtest/gtest.h>

#include <filesystem>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/metrics/kernel_distances.hpp"
#include "fmkit/metrics/wasserstein.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
namespace fs = std::filesystem;

namespace {

// 3000 steps of the default 3×64 network. Measured: W2 ≈ 0.62 and energy distance ≈ 0.014 to
// 2000 held-out points, where two independent target samples give W2 ≈ 0.39 and ≈ 0, and the
// untrained source 3.81 and 2.05. A model that dropped one of the eight modes would be at
// W2 ≥ √(⅛·3.8²) ≈ 1.35, so W2 < 0.9 and energy distance < 0.05 certify all modes are found.
TEST(FmTrain, EightGaussiansModelIsCloseToHeldOutData) {
  const std::string out = scratch("8g.h5");
  auto r = run("fm-train", "--set train.steps=3000 --threads 1 --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["status"], "complete");
  EXPECT_EQ(j["steps"], 3000);
  r = run("fm-sample", "--model " + out + " --n 2000 --solver rk4 --nfe 200 --seed 3 --out " + scratch("8gs.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  const fm::Mat x = fm::io::H5File::open(scratch("8gs.h5")).read_matrix("/samples");
  fm::Rng rng(12345, "held-out");
  const fm::Mat y = fm::dist::make_distribution(fm::cfg::json{{"type", "toy2d"}, {"name", "8gaussians"}}, "t")
                        ->sample(2000, rng);
  EXPECT_LT(fm::metrics::w2_exact(x, y).w2, 0.9);
  EXPECT_LT(fm::metrics::energy_distance(x, y), 0.05);
}

TEST(FmTrain, ResumeIsBitIdenticalToAnUninterruptedRun) {
  const std::string common = " --set train.schedule=constant --set train.eval_every=250 --set train.batch=64 --threads 1";
  ASSERT_EQ(run("fm-train", "--set train.steps=2000" + common + " --out " + scratch("straight.h5")).code, 0);
  ASSERT_EQ(run("fm-train", "--set train.steps=1000" + common + " --out " + scratch("resumed.h5")).code, 0);
  const auto r = run("fm-train", "--resume --set train.steps=2000 --out " + scratch("resumed.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = fm::io::H5File::open(scratch("straight.h5")), b = fm::io::H5File::open(scratch("resumed.h5"));
  for (const char* ds : {"/runs/0/checkpoint/params", "/runs/0/checkpoint/ema", "/runs/0/checkpoint/adam_v",
                         "/runs/0/train/loss", "/runs/0/eval/val_loss"})
    EXPECT_EQ(a.read_doubles(ds), b.read_doubles(ds)) << ds;
}

// train.precision = float32: resume is bit-identical too (the float64 master weights and Adam
// moments are the checkpoint), the summary says so, and fm-sample runs the network in float32 when
// asked: its Euler samples are the float64 ones to single precision, not the same numbers.
TEST(FmTrain, Float32RunResumesBitIdenticallyAndSamplesInFloat32) {
  const std::string common =
      " --set train.precision=float32 --set train.schedule=constant --set train.eval_every=250 --set train.batch=64 --set train.ema=0.99 --threads 1";
  ASSERT_EQ(run("fm-train", "--set train.steps=1000" + common + " --out " + scratch("f32_straight.h5")).code, 0);
  ASSERT_EQ(run("fm-train", "--set train.steps=500" + common + " --out " + scratch("f32_resumed.h5")).code, 0);
  auto r = run("fm-train", "--resume --set train.steps=1000 --json --out " + scratch("f32_resumed.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["precision"], "float32");
  const auto a = fm::io::H5File::open(scratch("f32_straight.h5")), b = fm::io::H5File::open(scratch("f32_resumed.h5"));
  for (const char* ds : {"/runs/0/checkpoint/params", "/runs/0/checkpoint/ema", "/runs/0/train/loss"})
    EXPECT_EQ(a.read_doubles(ds), b.read_doubles(ds)) << ds;
  const std::string model = " --model " + scratch("f32_straight.h5") + " --solver euler --nfe 16 --n 300 --json";
  r = run("fm-sample", model + " --precision float32 --out " + scratch("f32_s32.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["precision"], "float32");
  ASSERT_EQ(run("fm-sample", model + " --out " + scratch("f32_s64.h5")).code, 0);
  const fm::Mat s32 = fm::io::H5File::open(scratch("f32_s32.h5")).read_matrix("/samples");
  const fm::Mat s64 = fm::io::H5File::open(scratch("f32_s64.h5")).read_matrix("/samples");
  const double diff = (s32 - s64).cwiseAbs().maxCoeff();
  EXPECT_GT(diff, 0);
  EXPECT_LT(diff, 1e-4);
  // No float32 pass: one line, exit 2, before any work.
  r = run("fm-train", "--set train.precision=float16 --out " + scratch("f16.h5"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("train.precision: expected float64 or float32, got 'float16'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(scratch("f16.h5")));
  r = run("fm-train", "--set train.precision=float32 --set objective.type=meanflow --out " + scratch("mf32.h5"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("meanflow trains in float64"), std::string::npos) << r.err;
  r = run("fm-sample", "--model '{\"field\": \"exact\", \"target\": {\"type\": \"gaussian\", \"mean\": [0, 1]}}' "
                       "--precision float32 --n 10");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("sample.precision: float32 needs a trained network"), std::string::npos) << r.err;
}

// Writing periodic checkpoints must not change the run: same parameters as without them.
TEST(FmTrain, PeriodicCheckpointsDoNotChangeTheRun) {
  const std::string args = "--set train.steps=600 --set train.batch=32 --threads 1";
  ASSERT_EQ(run("fm-train", args + " --set train.checkpoint_every=200 --out " + scratch("ckpt.h5")).code, 0);
  ASSERT_EQ(run("fm-train", args + " --out " + scratch("nockpt.h5")).code, 0);
  const auto a = fm::io::H5File::open(scratch("ckpt.h5")), b = fm::io::H5File::open(scratch("nockpt.h5"));
  EXPECT_EQ(a.attr_string("/", "status"), "complete");
  EXPECT_EQ(a.read_doubles("/runs/0/checkpoint/params"), b.read_doubles("/runs/0/checkpoint/params"));
}

// A finite data set as the target, sampled without replacement with a 10 % holdout, and an early
// stop that the summary explains.
TEST(FmTrain, DatasetTargetWithHoldoutAndEarlyStop) {
  std::string csv = "x,y\n";
  fm::Rng rng(1, "data");
  for (int i = 0; i < 400; ++i) csv += std::to_string(2 + 0.3 * rng.normal()) + "," + std::to_string(-1 + 0.3 * rng.normal()) + "\n";
  fmtest::write_file(scratch("data.csv"), csv);
  const auto r = run("fm-train", "--set 'target={\"type\":\"dataset\",\"path\":\"" + scratch("data.csv") +
                                     "\"}' --set data.replacement=false --set train.steps=2000 --set train.eval_every=100 "
                                     "--set train.target_loss=100 --json --out " + scratch("ds.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["status"], "early_stopped");
  EXPECT_EQ(j["steps"], 100);
  EXPECT_EQ(j["stop_reason"], "validation loss reached train.target_loss");
  EXPECT_FALSE(j.contains("eps"));  // no exact field for a data set
  const auto bad = run("fm-train", "--set 'target={\"type\":\"dataset\",\"path\":\"/no/such.csv\"}' --out " +
                                       scratch("ds2.h5"));
  EXPECT_EQ(bad.code, 2) << bad.err;
}

TEST(FmTrain, DivergenceExitsOneWithStepAndRateAndNoFile) {
  const std::string out = scratch("diverged.h5");
  const auto r = run("fm-train", "--set train.lr=1e6 --set train.schedule=constant --set train.steps=500 --out " + out);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training diverged at step"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(FmTrain, BadConfigsExitTwo) {
  const std::string out = scratch("bad.h5");
  for (const char* args : {"--set train.stpes=3", "--set train.steps=abc", "--set objective.type=ddpm",
                           "--set target.type=nothing", "--resume", "--set train.batch=0"}) {
    const auto r = run("fm-train", std::string(args) + " --out " + out);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
  const auto r = run("fm-train", "--set train.stpes=3");
  EXPECT_NE(r.err.find("unknown key 'stpes' in train; did you mean 'steps'?"), std::string::npos) << r.err;
}

TEST(FmTrain, CorruptRunFileIsAClearErrorForSampleAndResume) {
  const std::string out = scratch("corrupt.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=50 --set train.batch=16 --out " + out).code, 0);
  fs::resize_file(out, fs::file_size(out) / 2);
  auto r = run("fm-sample", "--model " + out + " --n 10");
  EXPECT_EQ(r.code, 2) << r.err;
  r = run("fm-train", "--resume --out " + out);
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace

// In a log (stderr not a terminal) progress is a start line, a plain line per interval (set here by
// FMKIT_PROGRESS to 1 ms) and an end line; logging never changes results.
// On a terminal (a pseudo-terminal from util-linux `script`) the bar is replaced at the end by one
// closing line saying what ran, how much and how long, instead of vanishing.
TEST(FmTrain, TerminalBarLeavesOneClosingLine) {
  if (std::system("command -v script > /dev/null 2>&1") != 0) GTEST_SKIP() << "no util-linux script for a pty";
  const std::string log = scratch("pty.log");
  const std::string cmd = "script -qec '" + std::string(FMKIT_BIN_DIR) + "/fm-train --set train.steps=300 "
                          "--set train.ema=0.9 --threads 1 --out " + scratch("pty.h5") + "' /dev/null > " + log + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << fmtest::slurp(log);
  const std::string out = fmtest::slurp(log);
  EXPECT_NE(out.find("train: 300 done in "), std::string::npos) << out;
  std::size_t lines = 0;
  for (std::size_t p = out.find(" done in "); p != std::string::npos; p = out.find(" done in ", p + 1)) ++lines;
  EXPECT_EQ(lines, 1u) << out;  // the inner bars (validation, sampling) are cleared, not closed
}

TEST(FmTrain, ProgressLinesInALogAndNotInTheResults) {
  // ema 0.9: no EMA warm-up warning, whose "fm-train: " prefix would read as a progress line.
  const std::string args = "--set train.steps=400 --set train.batch=32 --set train.ema=0.9 --threads 1";
  auto quiet = run("fm-train", args + " --out " + scratch("quiet.h5"));
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  // By default a short run logs its start and its end, and no progress line in between.
  EXPECT_EQ(quiet.err.find("train: started (400 to do)\n"), 0u) << quiet.err;
  EXPECT_NE(quiet.err.find("train: finished after "), std::string::npos) << quiet.err;
  EXPECT_EQ(quiet.err.find("/400 ("), std::string::npos) << quiet.err;
  ::setenv("FMKIT_PROGRESS", "0.001", 1);
  auto logged = run("fm-train", args + " --out " + scratch("logged.h5"));
  ::unsetenv("FMKIT_PROGRESS");
  ASSERT_EQ(logged.code, 0) << logged.err;
  EXPECT_NE(logged.err.find("train: "), std::string::npos) << logged.err;
  EXPECT_NE(logged.err.find("/400 ("), std::string::npos) << logged.err;
  EXPECT_NE(logged.err.find("train: finished after "), std::string::npos) << logged.err;
  EXPECT_EQ(logged.err.find('\r'), std::string::npos);  // no bar redraws in a log
  const auto a = fm::io::H5File::open(scratch("quiet.h5")), b = fm::io::H5File::open(scratch("logged.h5"));
  EXPECT_EQ(a.read_doubles("/runs/0/checkpoint/params"), b.read_doubles("/runs/0/checkpoint/params"));
}
