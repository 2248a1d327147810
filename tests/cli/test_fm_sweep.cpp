// fm-sweep end to end: a local run merges one row per run and skips complete runs when rerun; an
// interrupted sweep resumes without redoing finished runs; a drained one finishes its running run
// and starts no other; a run-time failure is retried once and
// recorded; emitted Slurm / GNU-parallel files drive `run-one`; `status` reports how far a
// sweep is; `archive` copies the complete runs out and the copy continues the sweep; bad sweeps
// exit 2.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::slurp;
using fmtest::write_file;

namespace fs = std::filesystem;

namespace {

// Four short fm-train runs (lr × zipped seed/batch).
std::string sweep_file(const std::string& name, int steps) {
  const std::string path = scratch(name);
  write_file(path, R"({"program": "fm-train",
    "base": {"target": {"type": "toy2d", "name": "8gaussians"}, "model": {"hidden": [16, 16]},
             "train": {"steps": )" + std::to_string(steps) + R"(, "eval_every": 100, "batch": 64}},
    "axes": [{"key": "train.lr", "values": [0.001, 0.003]}, {"zip": {"seed": [0, 1], "train.batch": [32, 64]}}]})");
  return path;
}

std::vector<std::string> ids_of(const std::string& dir) {
  std::vector<std::string> ids;
  std::istringstream in(slurp(dir + "/runs.txt"));
  for (std::string line; std::getline(in, line);) ids.push_back(line);
  return ids;
}

// Starts `fm-sweep run SW --out DIR --jobs 1` in the background, its stderr to scratch(LOG), for a
// test that signals it; returns its pid. `progress_lines`: a progress line per finished run.
pid_t start_sweep(const std::string& sw, const std::string& dir, const std::string& log, bool progress_lines = false) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string bin = std::string(FMKIT_BIN_DIR) + "/fm-sweep", path = scratch(log);
    freopen(path.c_str(), "w", stderr);
    if (progress_lines) setenv("FMKIT_PROGRESS", "0.001", 1);
    execl(bin.c_str(), bin.c_str(), "run", sw.c_str(), "--out", dir.c_str(), "--jobs", "1", nullptr);
    _exit(127);
  }
  return pid;
}

}  // namespace

TEST(FmSweep, LocalRunMergesOneRowPerRunAndSkipsCompleteRuns) {
  const std::string sw = sweep_file("sweep_a.json", 200), dir = scratch("sweep_a");
  auto r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("sweep fm-train: started (4 to do)"), std::string::npos) << r.err;
  const auto f = fm::io::H5File::open(dir + "/summary.h5");
  const auto status = f.read_strings("/summary/run_status");
  ASSERT_EQ(status.size(), 4u);
  for (const auto& s : status) EXPECT_EQ(s, "complete");
  const auto lr = f.read_doubles("/summary/train.lr"), batch = f.read_doubles("/summary/train.batch");
  EXPECT_EQ(lr, (std::vector<double>{0.001, 0.001, 0.003, 0.003}));
  EXPECT_EQ(batch, (std::vector<double>{32, 64, 32, 64}));
  EXPECT_EQ(f.read_doubles("/summary/steps"), (std::vector<double>{200, 200, 200, 200}));  // fm-train's own row
  // Swept integers (seed, batch) stay integer columns; a swept lr is a double column.
  const auto table = fm::io::Table::read(f, "/summary");
  EXPECT_TRUE(std::holds_alternative<long long>(table.get(0, "seed")));
  EXPECT_TRUE(std::holds_alternative<long long>(table.get(0, "train.batch")));
  EXPECT_TRUE(std::holds_alternative<double>(table.get(0, "train.lr")));
  EXPECT_EQ(f.read_ints("/summary/seed"), (std::vector<long long>{0, 1, 0, 1}));
  // Each run used its own config.
  const auto cfg = fm::cfg::load_file(dir + "/runs/" + ids_of(dir)[1] + "/config.json");
  EXPECT_EQ(cfg["seed"], 1);
  EXPECT_EQ(cfg["train"]["batch"], 64);
  const auto before = fs::last_write_time(dir + "/runs/" + ids_of(dir)[0] + "/out.h5");
  r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped 4"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("started ("), std::string::npos) << r.err;  // nothing to do: no bar
  EXPECT_EQ(fs::last_write_time(dir + "/runs/" + ids_of(dir)[0] + "/out.h5"), before);
}

TEST(FmSweep, InterruptedSweepResumesWithoutRedoingFinishedRuns) {
  const std::string sw = sweep_file("sweep_b.json", 12000), dir = scratch("sweep_b");
  const pid_t pid = start_sweep(sw, dir, "sweep_b.log", true);  // progress lines, so the log can be checked
  // Wait for the first run to finish, then stop the sweep as a scheduler or Ctrl-C would.
  std::string first;
  for (int i = 0; i < 600 && first.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(dir + "/runs.txt")) continue;
    for (const auto& id : ids_of(dir))
      if (slurp(dir + "/runs/" + id + "/status.json").find("\"complete\"") != std::string::npos) first = id;
  }
  ASSERT_FALSE(first.empty()) << "no run finished";
  kill(pid, SIGTERM);
  int ws = 0;
  waitpid(pid, &ws, 0);
  ASSERT_TRUE(WIFEXITED(ws));
  EXPECT_EQ(WEXITSTATUS(ws), 1);  // interrupted: a runtime outcome, with the pending runs named
  const std::string log = slurp(scratch("sweep_b.log"));
  EXPECT_NE(log.find("rerun the same command"), std::string::npos) << log;
  EXPECT_NE(log.find("sweep fm-train: 1/"), std::string::npos) << log;
  EXPECT_EQ(log.find("sweep fm-train: finished"), std::string::npos) << log;  // it did not finish
  const auto merged = fm::io::H5File::open(dir + "/summary.h5").read_strings("/summary/run_status");
  EXPECT_GE(std::count(merged.begin(), merged.end(), "pending"), 1);
  const auto stamp = fs::last_write_time(dir + "/runs/" + first + "/out.h5");
  const auto r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fs::last_write_time(dir + "/runs/" + first + "/out.h5"), stamp);  // not redone
  for (const auto& s : fm::io::H5File::open(dir + "/summary.h5").read_strings("/summary/run_status"))
    EXPECT_EQ(s, "complete");
}

// SIGUSR1 drains a sweep: the running run finishes (a study without a checkpoint would lose it
// to a stop), no other starts, and the same command continues.
TEST(FmSweep, DrainedSweepFinishesTheRunningRunAndStartsNoOther) {
  const std::string sw = sweep_file("sweep_d.json", 12000), dir = scratch("sweep_d");
  const pid_t pid = start_sweep(sw, dir, "sweep_d.log");
  auto started = [&] {
    std::vector<std::string> ids;
    if (fs::exists(dir + "/runs.txt"))
      for (const auto& id : ids_of(dir))
        if (fs::exists(dir + "/runs/" + id + "/stderr.log")) ids.push_back(id);
    return ids;
  };
  for (int i = 0; i < 600 && started().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(started().empty()) << "no run started";
  kill(pid, SIGUSR1);
  int ws = 0;
  waitpid(pid, &ws, 0);
  ASSERT_TRUE(WIFEXITED(ws));
  const std::string log = slurp(scratch("sweep_d.log"));
  EXPECT_EQ(WEXITSTATUS(ws), 1) << log;  // runs are left: the sweep is not complete
  EXPECT_NE(log.find("SIGUSR1: no new run starts"), std::string::npos) << log;
  EXPECT_NE(log.find("rerun the same command to continue them"), std::string::npos) << log;
  // Every run that started finished; the others never started.
  const auto ran = started();
  EXPECT_GE(ran.size(), 1u);
  EXPECT_LT(ran.size(), 4u);
  for (const auto& id : ran)
    EXPECT_NE(slurp(dir + "/runs/" + id + "/status.json").find("\"complete\""), std::string::npos) << id;
  const auto merged = fm::io::H5File::open(dir + "/summary.h5").read_strings("/summary/run_status");
  EXPECT_EQ(std::count(merged.begin(), merged.end(), "complete"), static_cast<long>(ran.size()));
  EXPECT_EQ(std::count(merged.begin(), merged.end(), "failed"), 0);
  const auto r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped " + std::to_string(ran.size())), std::string::npos) << r.err;
}

TEST(FmSweep, ArchiveCopiesTheCompleteRunsAndTheCopyContinuesTheSweep) {
  const std::string sw = sweep_file("sweep_arch.json", 200), dir = scratch("sweep_arch"),
                    dest = scratch("sweep_arch_copy");
  auto r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto full = fm::io::H5File::open(dir + "/summary.h5").read_doubles("/summary/val_loss");
  const auto ids = ids_of(dir);
  fs::remove(dir + "/runs/" + ids[2] + "/out.h5");  // as if the third run were still going
  write_file(dir + "/runs/" + ids[2] + "/stderr.log", "train: 100/200\n");

  r = run("fm-sweep", "archive " + dir + " --to " + dest);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("3 complete run(s) in " + dest + " (3 copied now, 0 already there); 0 checkpoint(s) of interrupted runs copied; 1 other run(s) left out"),
            std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dest + "/runs/" + ids[2]));  // nothing of an unfinished run
  for (const auto& e : fs::recursive_directory_iterator(dest)) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name != "lock" && name.find(".tmp") == std::string::npos) << e.path();
  }
  EXPECT_EQ(slurp(dest + "/runs/" + ids[0] + "/out.h5"), slurp(dir + "/runs/" + ids[0] + "/out.h5"));
  auto st = run("fm-sweep", "status " + dest);
  EXPECT_NE(st.out.find("3 complete"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("1 not started"), std::string::npos) << st.out;

  // The copy continues the sweep: the three copied runs are skipped, the fourth is run, and the
  // results are those of the uninterrupted sweep.
  const auto stamp = fs::last_write_time(dest + "/runs/" + ids[0] + "/out.h5");
  r = run("fm-sweep", "run " + sw + " --out " + dest + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped 3"), std::string::npos) << r.err;
  // The bar counts the run left, not the skipped ones (whose instant "completion" made the eta wrong).
  EXPECT_NE(r.err.find("started (1 to do)"), std::string::npos) << r.err;
  EXPECT_EQ(fs::last_write_time(dest + "/runs/" + ids[0] + "/out.h5"), stamp);
  EXPECT_EQ(fm::io::H5File::open(dest + "/summary.h5").read_doubles("/summary/val_loss"), full);

  // Archiving again copies nothing twice.
  r = run("fm-sweep", "archive " + dir + " --to " + dest);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("(0 copied now, 3 already there); 0 checkpoint(s) of interrupted runs copied; 1 other"), std::string::npos) << r.err;

  // Usage errors, each before anything is written.
  EXPECT_EQ(run("fm-sweep", "archive " + dir + " --to " + dir).code, 2);
  EXPECT_EQ(run("fm-sweep", "archive " + scratch("not_a_sweep_dir") + " --to " + dest).code, 2);
  const std::string other = scratch("sweep_arch_other");
  fs::create_directories(other);
  write_file(other + "/sweep.json", R"({"program": "fm-tv-study", "keys": [], "slurm": {}, "runs": []})");
  r = run("fm-sweep", "archive " + dir + " --to " + other);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("holds a sweep of fm-tv-study"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(other + "/runs"));
  const std::string cfg = dest + "/runs/" + ids[1] + "/config.json";
  write_file(cfg, slurp(cfg) + " ");
  r = run("fm-sweep", "archive " + dir + " --to " + dest);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("with another config"), std::string::npos) << r.err;
}

TEST(FmSweep, AnInterruptedStudyRunIsArchivedWithItsCheckpointAndResumed) {
  // One fm-tv-study run of 14 short units, stopped once it has kept one.
  const std::string sw = scratch("sweep_tvck.json"), dir = scratch("sweep_tvck"), dest = scratch("sweep_tvck_copy");
  write_file(sw, R"({"program": "fm-tv-study",
    "base": {"reps": 2, "fit_n_min": 64, "n": [64, 256, 1024],
             "train": {"hidden": [32, 32], "steps": 400, "batch": 128, "lr": 0.003, "ema": 0.99, "eval_every": 100,
                       "patience": 3, "holdout": 0.1, "val_size": 512},
             "eval": {"m": 1500, "grid": 12, "n_eps": 256, "n_score": 64, "seed": 9},
             "kde": {"cv_points": 512, "h_lo": 0.001, "h_hi": 2.0}, "bootstrap": {"resamples": 200, "level": 0.9},
             "targets": [{"name": "gmm1d", "target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "stds": [0.5, 0.5]}},
                         {"name": "holder1", "target": {"type": "holder", "beta": 1.0}}]},
    "axes": [{"key": "seed", "values": [5]}]})");
  const pid_t pid = start_sweep(sw, dir, "sweep_tvck.log");
  std::string out;
  for (int i = 0; i < 1200 && (out.empty() || !fs::exists(out)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (out.empty() && fs::exists(dir + "/runs.txt") && !ids_of(dir).empty()) out = dir + "/runs/" + ids_of(dir)[0] + "/out.h5";
  }
  kill(pid, SIGTERM);
  int ws = 0;
  waitpid(pid, &ws, 0);
  ASSERT_TRUE(!out.empty() && fs::exists(out)) << "no unit finished";
  if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) GTEST_SKIP() << "the run finished before it was stopped";
  const std::string id = ids_of(dir)[0];
  auto r = run("fm-sweep", "status " + dir);
  EXPECT_NE(r.out.find("1 resumable"), std::string::npos) << r.out;
  // The stopped stint's time is recorded, to be added to the next one's.
  const auto stopped = fm::cfg::json::parse(slurp(dir + "/runs/" + id + "/status.json"));
  EXPECT_EQ(stopped["status"], "pending");
  EXPECT_GT(stopped["wall_time_s"].get<double>(), 0);

  r = run("fm-sweep", "archive " + dir + " --to " + dest);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("0 complete run(s) in " + dest + " (0 copied now, 0 already there); 1 checkpoint(s) of interrupted runs copied; 0 other"),
            std::string::npos) << r.err;
  EXPECT_EQ(fm::io::H5File::open(dest + "/runs/" + id + "/out.h5").attr_string("/", "status"), "checkpoint");

  EXPECT_EQ(slurp(dest + "/runs/" + id + "/status.json"), slurp(dir + "/runs/" + id + "/status.json"));

  // The copy continues the run from its checkpoint, to the numbers of a run never stopped. Its
  // earlier stints are said to have taken 10⁵ s, a time no stint here takes: status counts them.
  write_file(dest + "/runs/" + id + "/status.json", R"({"status": "pending", "attempts": 1, "wall_time_s": 100000})");
  r = run("fm-sweep", "run " + sw + " --out " + dest);
  ASSERT_EQ(r.code, 0) << r.err;
  const double wall = fm::cfg::json::parse(slurp(dest + "/runs/" + id + "/status.json"))["wall_time_s"].get<double>();
  EXPECT_GT(wall, 1e5);
  EXPECT_LT(wall, 1e5 + 3600);  // counted once
  EXPECT_NE(run("fm-sweep", "status " + dest).out.find("1 complete (27.8 h of run time)"), std::string::npos);
  EXPECT_NE(slurp(dest + "/runs/" + id + "/stderr.log").find("finished unit(s) kept"), std::string::npos);
  const std::string full = scratch("sweep_tvck_full.h5");
  ASSERT_EQ(run("fm-tv-study", "--config " + dir + "/runs/" + id + "/config.json --threads 1 --out " + full).code, 0);
  for (const char* col : {"/summary/tv", "/summary/kde_tv", "/fits/slope"}) {
    const auto a = fm::io::H5File::open(full).read_doubles(col),
               b = fm::io::H5File::open(dest + "/runs/" + id + "/out.h5").read_doubles(col);
    ASSERT_EQ(a.size(), b.size()) << col;
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << col;
  }
}

TEST(FmSweep, RuntimeFailureIsRetriedOnceAndRecorded) {
  // divergence_factor just above 1 makes every run stop with "training diverged" (exit 1).
  const std::string sw = scratch("sweep_c.json"), dir = scratch("sweep_c");
  write_file(sw, R"({"program": "fm-train", "base": {"train": {"steps": 200, "divergence_factor": 1.0000001}},
    "axes": [{"key": "seed", "values": [0]}]})");
  const auto r = run("fm-sweep", "run " + sw + " --out " + dir);
  EXPECT_EQ(r.code, 1) << r.err;
  const auto f = fm::io::H5File::open(dir + "/summary.h5");
  EXPECT_EQ(f.read_strings("/summary/run_status")[0], "failed");
  EXPECT_EQ(f.read_ints("/summary/run_attempts")[0], 2);
  EXPECT_EQ(f.read_ints("/summary/run_exit_code")[0], 1);
  EXPECT_NE(f.read_strings("/summary/run_error")[0].find("diverged"), std::string::npos);
  // `status` lists the failure with its message and exits 1, so a script can tell.
  const auto st = run("fm-sweep", "status " + dir);
  EXPECT_EQ(st.code, 1) << st.err;
  EXPECT_NE(st.out.find("0 complete (0.0 h of run time), 0 running, 0 resumable, 0 interrupted, 1 failed, 0 not started"), std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("failed:\n  " + ids_of(dir)[0] + " {\"seed\":0}\n    "), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("diverged"), std::string::npos) << st.out;
}

TEST(FmSweep, EmittedClusterFilesDriveRunOne) {
  const std::string sw = sweep_file("sweep_emit.json", 100), dir = scratch("sweep_emit");
  auto r = run("fm-sweep", "emit " + sw + " --out " + dir + " --slurm");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string slurm = slurp(dir + "/sweep.slurm");
  EXPECT_NE(slurm.find("#SBATCH --array=0-3"), std::string::npos) << slurm;
  EXPECT_NE(slurm.find("run-one"), std::string::npos);
  EXPECT_NE(slurm.find("--run-threads 1\n"), std::string::npos) << slurm;  // the default cpus_per_task
  r = run("fm-sweep", "status " + dir);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(dir + ": 4 runs of fm-train: 0 complete (0.0 h of run time), 0 running, 0 resumable, 0 interrupted, 0 failed, 4 not started"),
            std::string::npos)
      << r.out;
  // An array task is `run-one DIR --index K`: run task 2 as Slurm would.
  r = run("fm-sweep", "run-one " + dir + " --index 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/runs/" + ids_of(dir)[2] + "/out.h5"));
  // A task the scheduler killed mid-way left its output in progress and a log: "interrupted", with
  // the log's last line (the latest progress line) shown.
  write_file(dir + "/runs/" + ids_of(dir)[0] + "/out.h5.tmp", "");
  write_file(dir + "/runs/" + ids_of(dir)[0] + "/stderr.log", "train: 10% after 300 s\ntrain: 40% after 600 s\n\n");
  r = run("fm-sweep", "status " + dir);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 complete"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 running, 0 resumable, 1 interrupted, 0 failed, 2 not started"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("interrupted without a checkpoint (a rerun redoes them):\n  " + ids_of(dir)[0] + " {"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n    train: 40% after 600 s\n"), std::string::npos) << r.out;
  // The GNU parallel list, run line by line by the shell.
  r = run("fm-sweep", "emit " + sw + " --out " + dir + " --parallel");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(std::system(("bash " + dir + "/jobs.txt > /dev/null 2>&1").c_str()), 0);
  r = run("fm-sweep", "merge " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& s : fm::io::H5File::open(dir + "/summary.h5").read_strings("/summary/run_status"))
    EXPECT_EQ(s, "complete");
}

// --run-threads is each run's --threads: locally, under run-one, and from a Slurm script's
// cpus_per_task. A count outside [1, max] is refused before the sweep directory is made.
TEST(FmSweep, RunThreadsReachEveryRunsProgram) {
  const std::string sw = sweep_file("sweep_threads.json", 100), dir = scratch("sweep_threads");
  for (const char* bad : {"0", "-1", "100000", "nan", "1e99", "two", "2.5"}) {
    const auto r = run("fm-sweep", "run " + sw + " --out " + dir + " --run-threads " + bad);
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("--run-threads"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir)) << bad;
  }
  auto r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 1 --run-threads 2");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& id : ids_of(dir))
    EXPECT_EQ(fm::io::H5File::open(dir + "/runs/" + id + "/out.h5").attr_double("/", "threads"), 2) << id;
  // A Slurm task's cores all go to its run.
  const std::string sw3 = scratch("sweep_threads3.json"), dir3 = scratch("sweep_threads3");
  write_file(sw3, R"({"program": "fm-train", "base": {"train": {"steps": 100, "eval_every": 100}},
    "slurm": {"cpus_per_task": 3}, "axes": [{"key": "seed", "values": [0, 1]}]})");
  r = run("fm-sweep", "emit " + sw3 + " --out " + dir3 + " --slurm");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string script = slurp(dir3 + "/sweep.slurm");
  EXPECT_NE(script.find("#SBATCH --cpus-per-task=3\n"), std::string::npos) << script;
  EXPECT_NE(script.find(" --index \"$SLURM_ARRAY_TASK_ID\" --run-threads 3\n"), std::string::npos) << script;
  r = run("fm-sweep", "run-one " + dir3 + " --index 1 --run-threads 3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::io::H5File::open(dir3 + "/runs/" + ids_of(dir3)[1] + "/out.h5").attr_double("/", "threads"), 3);
  r = run("fm-sweep", "run-one " + dir3 + " --index 0 --run-threads 0");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir3 + "/runs/" + ids_of(dir3)[0] + "/out.h5"));
}

TEST(FmSweep, BadSweepsExitTwo) {
  const std::string sw = scratch("sweep_bad.json");
  for (const char* bad : {R"({"program": "fm-train", "axes": [{"key": "train.stpes", "values": [1]}]})",
                          R"({"program": "fm-nothing", "axes": [{"key": "a", "values": [1]}]})",
                          R"({"program": "fm-train", "axes": [{"zip": {"seed": [1, 2], "train.lr": [0.1]}}]})",
                          R"({"program": "fm-train", "axes": )"}) {
    write_file(sw, bad);
    const auto r = run("fm-sweep", "run " + sw + " --out " + scratch("sweep_bad"));
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
  }
  EXPECT_EQ(run("fm-sweep", "merge " + scratch("no_such_dir")).code, 2);
  EXPECT_EQ(run("fm-sweep", "run-one " + scratch("sweep_a") + " --index 99").code, 2);
}

TEST(FmSweep, ExampleSweepsExpandAndValidate) {
  // Each shipped sweep expands, and every run's config passes its program's schema check.
  int n = 0;
  for (const auto& e : fs::directory_iterator(std::string(FMKIT_SOURCE_DIR) + "/experiments/sweeps")) {
    if (e.path().extension() != ".json") continue;
    ++n;
    const auto r = run("fm-sweep", "emit " + e.path().string() + " --out " + scratch("ex_" + e.path().stem().string()) +
                                       " --parallel");
    EXPECT_EQ(r.code, 0) << e.path() << "\n" << r.err;
  }
  EXPECT_GE(n, 5);  // one per study and fm-train
}
