// fm-tv-study end to end on a tiny config: every (target, n, rep) row and every fit is present,
// the chain TV ≤ √(KL/2) ≤ bound holds, the KDE's TV falls with n at a positive fitted rate, the
// floor run (fresh samples) is there without a KDE, a rerun is bit-identical, a stopped study
// resumes from its checkpoint to the uninterrupted tables and counts the time of both stints (and
// one stopped before its first unit says it kept nothing), and bad input exits 2 with nothing written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/nn/mlp.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::slurp;

namespace {

const char* kConfig = R"({"seed": 5, "reps": 2, "fit_n_min": 64, "n": [64, 256, 1024],
  "train": {"hidden": [32, 32], "steps": 400, "batch": 128, "lr": 0.003, "ema": 0.99, "eval_every": 100,
            "patience": 3, "holdout": 0.1, "val_size": 512},
  "eval": {"m": 1500, "grid": 12, "n_eps": 256, "n_score": 64, "seed": 9},
  "kde": {"cv_points": 512, "h_lo": 0.001, "h_hi": 2.0},
  "bootstrap": {"resamples": 200, "level": 0.9},
  "targets": [{"name": "gmm1d", "target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "stds": [0.5, 0.5]}},
              {"name": "holder1", "target": {"type": "holder", "beta": 1.0}}]})";

TEST(FmTvStudy, TinyConfigProducesTheChainAndTheFits) {
  const std::string cfg = scratch("tv.json"), out = scratch("tv.h5"), out2 = scratch("tv2.h5");
  std::ofstream(cfg) << kConfig;
  const auto r = run("fm-tv-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto target = f.read_strings("/summary/target"), data = f.read_strings("/summary/data");
  const auto n = f.read_doubles("/summary/n"), tv = f.read_doubles("/summary/tv"),
             kde_tv = f.read_doubles("/summary/kde_tv"), beta = f.read_doubles("/summary/beta"),
             pinsker = f.read_doubles("/summary/pinsker_holds"), bound = f.read_doubles("/summary/bound_holds"),
             interior = f.read_doubles("/summary/kde_cv_interior");
  ASSERT_EQ(target.size(), 2u * (3u * 2u + 1u));  // 3 sizes × 2 reps and one floor run per target
  std::map<std::pair<std::string, double>, double> kde_mean;
  int floors = 0;
  for (std::size_t i = 0; i < target.size(); ++i) {
    EXPECT_GT(tv[i], 0);
    EXPECT_LT(tv[i], 1);
    EXPECT_EQ(pinsker[i], 1) << i;
    EXPECT_EQ(bound[i], 1) << i;
    EXPECT_EQ(beta[i], target[i] == "holder1" ? 1.0 : std::numeric_limits<double>::infinity());
    if (data[i] == "fresh") {  // the floor run has no finite sample and so no KDE
      ++floors;
      EXPECT_EQ(n[i], 0);
      EXPECT_TRUE(std::isnan(kde_tv[i]));
      continue;
    }
    EXPECT_EQ(interior[i], 1) << i;
    kde_mean[{target[i], n[i]}] += kde_tv[i] / 2;
  }
  EXPECT_EQ(floors, 2);
  for (const std::string t : {"gmm1d", "holder1"}) {
    const double at_large = kde_mean[std::make_pair(t, 1024.0)], at_small = kde_mean[std::make_pair(t, 64.0)];
    EXPECT_LT(at_large, 0.8 * at_small) << t;
  }
  const auto fq = f.read_strings("/fits/quantity"), ft = f.read_strings("/fits/target");
  const auto slope = f.read_doubles("/fits/slope"), lo = f.read_doubles("/fits/lo"), hi = f.read_doubles("/fits/hi"),
             ref = f.read_doubles("/fits/reference_slope");
  ASSERT_EQ(fq.size(), 2u * 6u);
  for (std::size_t i = 0; i < fq.size(); ++i) {
    if (fq[i] == "kde_tv") {
      EXPECT_GT(slope[i], 0.1) << ft[i];
      EXPECT_LE(lo[i], slope[i]);
      EXPECT_GE(hi[i], slope[i]);
    }
    if (fq[i] == "tv") {
      EXPECT_DOUBLE_EQ(ref[i], ft[i] == "holder1" ? 1.0 / 3.0 : 0.5);
    }
  }
  // /fit_stability: with all repetitions it is the fit above, interval and all (same bootstrap seed).
  const auto st = f.read_strings("/fit_stability/target");
  const auto st_k = f.read_doubles("/fit_stability/reps_used"), st_slope = f.read_doubles("/fit_stability/slope"),
             st_lo = f.read_doubles("/fit_stability/lo"), st_hi = f.read_doubles("/fit_stability/hi");
  ASSERT_EQ(st.size(), 2u);  // 2 repetitions: only k = 2
  for (std::size_t j = 0; j < st.size(); ++j)
    for (std::size_t i = 0; i < fq.size(); ++i)
      if (ft[i] == st[j] && fq[i] == "tv") {
        EXPECT_EQ(st_k[j], 2);
        EXPECT_EQ(st_slope[j], slope[i]);
        EXPECT_EQ(st_lo[j], lo[i]);
        EXPECT_EQ(st_hi[j], hi[i]);
      }
  // The same seed and thread count give the same numbers.
  ASSERT_EQ(run("fm-tv-study", "--config " + cfg + " --out " + out2).code, 0);
  EXPECT_EQ(fm::io::H5File::open(out2).read_doubles("/summary/tv"), tv);
  const auto kde_tv2 = fm::io::H5File::open(out2).read_doubles("/summary/kde_tv");
  ASSERT_EQ(kde_tv2.size(), kde_tv.size());
  EXPECT_EQ(std::memcmp(kde_tv2.data(), kde_tv.data(), kde_tv.size() * sizeof(double)), 0);  // NaN rows too
}

// Every table of two study files, bit for bit, but the timing columns (which a rerun changes).
void expect_same_tables(const std::string& a, const std::string& b) {
  const auto fa = fm::io::H5File::open(a), fb = fm::io::H5File::open(b);
  for (const std::string g : {"/summary", "/fits", "/fit_stability"}) {
    ASSERT_EQ(fa.members(g), fb.members(g)) << g;
    for (const std::string& c : fa.members(g)) {
      if (c == "train_s" || c == "wall_time_s") continue;
      const std::string name = g + "/" + c;
      if (fa.kind(name) == 's') {
        EXPECT_EQ(fa.read_strings(name), fb.read_strings(name)) << name;
      } else {
        const auto x = fa.read_doubles(name), y = fb.read_doubles(name);
        ASSERT_EQ(x.size(), y.size()) << name;
        EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)), 0) << name;  // NaN cells too
      }
    }
  }
}

// Starts fm-tv-study with `args` in the background, its stderr to `log`.
pid_t start_study(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string bin = std::string(FMKIT_BIN_DIR) + "/fm-tv-study";
    freopen(log.c_str(), "w", stderr);
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// The summed wall_time_s of the units a checkpoint keeps.
double kept_units_wall_s(const std::string& path) {
  const auto f = fm::io::H5File::open(path);
  double s = 0;
  for (std::size_t i = 0; i < f.read_strings("/checkpoint/keys").size(); ++i)
    for (const double w : f.read_doubles("/checkpoint/unit_" + std::to_string(i) + "/wall_time_s")) s += w;
  return s;
}

// Copies the checkpoint `from` to `to`, with root elapsed_s set to `elapsed_s` (absent without it,
// as before it was kept) and every unit's wall_time_s set to `unit_wall_s` if given; the units'
// count.
std::size_t copy_checkpoint(const std::string& from, const std::string& to, std::optional<double> elapsed_s,
                            std::optional<double> unit_wall_s) {
  const auto src = fm::io::H5File::open(from);
  auto f = fm::io::H5File::create(to);
  f.set_attr("/", "checkpoint_config", src.attr_string("/", "checkpoint_config"));
  if (elapsed_s) f.set_attr("/", "elapsed_s", *elapsed_s);
  const auto keys = src.read_strings("/checkpoint/keys");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string g = "/checkpoint/unit_" + std::to_string(i);
    auto unit = fm::io::Table::read(src, g);
    if (unit_wall_s) unit.fill("wall_time_s", *unit_wall_s);
    unit.write(f, g);
  }
  f.write("/checkpoint/keys", keys);
  f.commit("checkpoint");
  return keys.size();
}

// Stops it as Ctrl-C or a time limit would; its wait status.
int stop(pid_t pid) {
  kill(pid, SIGTERM);
  int ws = 0;
  waitpid(pid, &ws, 0);
  return ws;
}

TEST(FmTvStudy, AStoppedStudyResumesFromItsCheckpointToTheUninterruptedTables) {
  const std::string cfg = scratch("tv_resume.json"), full = scratch("tv_resume_full.h5"),
                    part = scratch("tv_resume_part.h5"), log = scratch("tv_resume.log");
  std::ofstream(cfg) << kConfig;
  ASSERT_EQ(run("fm-tv-study", "--config " + cfg + " --out " + full + " --threads 1").code, 0);
  // Stop a second run once its checkpoint holds a finished unit, as Ctrl-C or a time limit would.
  const pid_t pid = start_study({"--config", cfg, "--out", part, "--threads", "1"}, log);
  for (int i = 0; i < 1200 && !std::filesystem::exists(part); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const int ws = stop(pid);
  ASSERT_TRUE(std::filesystem::exists(part)) << "no unit finished";
  if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) GTEST_SKIP() << "the study finished before it was stopped";
  EXPECT_NE(slurp(log).find("keeps the finished units. Continue with the same command and --resume"), std::string::npos)
      << slurp(log);
  EXPECT_FALSE(std::filesystem::exists(part + ".tmp"));
  EXPECT_EQ(fm::io::H5File::open(part).attr_string("/", "status"), "checkpoint");

  // The checkpoint keeps the time spent so far: at least its units' (they ran one at a time).
  const double elapsed = fm::io::H5File::open(part).attr_double("/", "elapsed_s");
  const double units_s = kept_units_wall_s(part);
  EXPECT_GT(units_s, 0);
  EXPECT_GE(elapsed, units_s);
  // Copies with times no stint of this test could take, to see them carried into wall_time_s: one
  // that says 10⁵ s were spent, and one from before elapsed_s was kept whose units took 1000 s each.
  const std::string earlier = scratch("tv_resume_earlier.h5"), legacy = scratch("tv_resume_legacy.h5");
  const std::size_t n_units = copy_checkpoint(part, earlier, 1e5, std::nullopt);
  copy_checkpoint(part, legacy, std::nullopt, 1000.0);

  // A checkpoint is replaced only on request, and resumed only under its own config.
  auto r = run("fm-tv-study", "--config " + cfg + " --out " + part);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("holds an interrupted study's checkpoint: add --resume"), std::string::npos) << r.err;
  r = run("fm-tv-study", "--config " + cfg + " --out " + part + " --resume --set seed=6");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("was made with another config"), std::string::npos) << r.err;
  EXPECT_EQ(run("fm-tv-study", "--config " + cfg + " --out " + part + " --resume --force").code, 2);
  EXPECT_EQ(run("fm-tv-study", "--config " + cfg + " --out " + scratch("tv_none.h5") + " --resume").code, 2);
  EXPECT_EQ(run("fm-tv-study", "--config " + cfg + " --out " + full + " --resume").code, 2);  // complete, not a checkpoint
  EXPECT_EQ(fm::io::H5File::open(part).attr_string("/", "status"), "checkpoint");

  // Resumed on 2 threads: the kept units are not run again, and the tables are the uninterrupted
  // study's.
  r = run("fm-tv-study", "--config " + cfg + " --out " + part + " --resume --threads 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto kept = r.err.find("finished unit(s) kept");
  ASSERT_NE(kept, std::string::npos) << r.err;
  const long n_kept = std::stol(r.err.substr(r.err.rfind(": ", kept) + 2));
  EXPECT_GE(n_kept, 1);
  EXPECT_LT(n_kept, 14);
  // Its bar counts the units left, not the kept ones (whose instant "progress" made the eta short).
  EXPECT_NE(r.err.find("TV study: started (" + std::to_string(14 - n_kept) + " to do)"), std::string::npos) << r.err;
  EXPECT_EQ(fm::io::H5File::open(part).attr_string("/", "status"), "complete");
  expect_same_tables(full, part);
  // Its wall time is both stints', not the last one's alone.
  EXPECT_GT(fm::io::H5File::open(part).attr_double("/", "wall_time_s"), elapsed);
  for (const auto& [copy, before_s] : {std::pair{earlier, 1e5}, std::pair{legacy, 1000.0 * n_units}}) {
    r = run("fm-tv-study", "--config " + cfg + " --out " + copy + " --resume --threads 2");
    ASSERT_EQ(r.code, 0) << r.err;
    expect_same_tables(full, copy);
    const double wall = fm::io::H5File::open(copy).attr_double("/", "wall_time_s");
    EXPECT_GT(wall, before_s) << copy;
    EXPECT_LT(wall, before_s + 3600) << copy;
  }

  // --force over a complete study, stopped before its first unit (a million steps): the old file
  // is untouched, and the stop message says so instead of promising finished units.
  const auto before = fm::io::H5File::open(full).read_doubles("/summary/tv");
  const std::string early_log = scratch("tv_early.log");  // its own: the first run's log says "started" too
  std::filesystem::remove(early_log);
  const pid_t early = start_study({"--config", cfg, "--set", "train.steps=1000000", "--set", "train.patience=0",
                                   "--out", full, "--force", "--threads", "1"}, early_log);
  // Its bar starts after the stop message is set: wait for that line, not for a guessed time.
  for (int i = 0; i < 2400 && slurp(early_log).find("TV study: started") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const int early_ws = stop(early);
  EXPECT_TRUE(WIFSIGNALED(early_ws));
  EXPECT_NE(slurp(early_log).find("stopped before a unit finished; nothing of this run was kept and '" + full +
                            "' is as it was"), std::string::npos) << slurp(early_log);
  EXPECT_EQ(fm::io::H5File::open(full).attr_string("/", "status"), "complete");
  EXPECT_EQ(fm::io::H5File::open(full).read_doubles("/summary/tv"), before);
  EXPECT_FALSE(std::filesystem::exists(full + ".tmp"));
}

// train.scale: the rule at n multiplies steps and widths by powers of n / n_ref, and each n is read
// against a floor trained by its own rule.
TEST(FmTvStudy, AScaledRuleTrainsEachNAndItsFloorByTheRuleAtN) {
  const std::string cfg = scratch("tv_scaled.json"), out = scratch("tv_scaled.h5");
  std::ofstream(cfg) << R"({"seed": 2, "reps": 1, "floor_reps": 1, "fit_n_min": 64, "n": [64, 256],
    "train": {"hidden": [16, 16], "steps": 50, "batch": 64, "lr": 0.003, "ema": 0.9, "eval_every": 25, "patience": 0,
              "holdout": 0.1, "val_size": 256, "scale": {"n_ref": 64, "steps": 1, "batch": 0, "width": 0.5, "val_size": 0}},
    "eval": {"m": 500, "grid": 8, "n_eps": 64, "n_score": 32, "seed": 9},
    "kde": {"cv_points": 256, "h_lo": 0.001, "h_hi": 2.0}, "bootstrap": {"resamples": 50, "level": 0.9},
    "targets": [{"name": "g", "target": {"type": "gaussian", "mean": [0.5], "std": 0.7}}]})";
  ::setenv("FMKIT_PROGRESS", "0.001", 1);  // a log line at every unit
  const auto r = run("fm-tv-study", "--config " + cfg + " --out " + out + " --threads 1");
  ::unsetenv("FMKIT_PROGRESS");
  ASSERT_EQ(r.code, 0) << r.err;
  // The bar's percentage weighs each unit by its training's work, steps × batch × weights: the rule
  // at 256 trains 4× the steps of a network with 2× the widths.
  const auto weights = [](fm::Index width) {
    fm::nn::MlpSpec net;
    net.dim = 1;
    net.hidden = {width, width};
    return static_cast<double>(fm::nn::Mlp(net).num_params());
  };
  const double w64 = 50 * 64 * weights(16), w256 = 200 * 64 * weights(32), total = 2 * (w64 + w256);
  EXPECT_GT(w256, 10 * w64);
  for (const auto& [k, done] : {std::pair{1, w64}, std::pair{2, w64 + w256}, std::pair{3, 2 * w64 + w256}}) {
    char line[64];
    std::snprintf(line, sizeof line, "\nTV study: %d/4 (%.0f%%) after ", k, 100 * done / total);
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "\n" << r.err;
  }
  const auto f = fm::io::H5File::open(out);
  const auto n = f.read_doubles("/summary/n"), rule_n = f.read_doubles("/summary/rule_n"),
             steps = f.read_doubles("/summary/train_steps"), tv = f.read_doubles("/summary/tv"),
             floor_tv = f.read_doubles("/summary/floor_tv");
  // Rows: n = 64, n = 256, then the floors of the rules at 64 and 256.
  ASSERT_EQ(n, (std::vector<double>{64, 256, 0, 0}));
  EXPECT_EQ(rule_n, (std::vector<double>{64, 256, 64, 256}));
  EXPECT_EQ(steps, (std::vector<double>{50, 200, 50, 200}));  // 50·(n/64)^1, patience 0: the whole budget
  EXPECT_EQ(floor_tv[0], tv[2]);
  EXPECT_EQ(floor_tv[1], tv[3]);
  EXPECT_TRUE(std::isnan(floor_tv[2]) && std::isnan(floor_tv[3]));
  EXPECT_NE(tv[2], tv[3]);  // different rules, different fresh samples
}

TEST(FmTvStudy, BadConfigExitsTwo) {
  const std::string cfg = scratch("tv_bad.json"), out = scratch("tv_bad.h5");
  for (const char* bad : {R"({"n": [10], "targets": [{"name": "h", "target": {"type": "holder", "beta": 1}}]})",
                          R"({"targets": [{"name": "h", "target": {"type": "holder", "beta": 1}, "beta": 0.5}]})",
                          R"({"targets": [{"name": "t", "target": {"type": "toy2d", "name": "moons"}}]})",
                          R"({"targets": []})",
                          R"({"train": {"scale": {"steps": -1}}, "targets": [{"name": "g", "target": {"type": "gaussian", "mean": [0.0], "std": 1.0}}]})",
                          R"({"train": {"scale": {"width": 3}}, "targets": [{"name": "g", "target": {"type": "gaussian", "mean": [0.0], "std": 1.0}}]})",
                          R"({"train": {"scale": {"n_ref": 0}}, "targets": [{"name": "g", "target": {"type": "gaussian", "mean": [0.0], "std": 1.0}}]})",
                          // I(p_1) = infinity at beta = 1/2: S and I_p need a grid step before t = 1.
                          R"({"eval": {"m": 1500, "grid": 2, "n_eps": 256, "n_score": 64, "seed": 9},
                              "targets": [{"name": "h", "target": {"type": "holder", "beta": 0.5}}]})"}) {
    std::ofstream(cfg) << bad;
    const auto r = run("fm-tv-study", "--config " + cfg + " --out " + out);
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
    EXPECT_NE(r.err.find("config."), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line, before any study bar
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

}  // namespace
