// The defects a hostile-input campaign found, one test each: interrupted sweeps of checkpointed
// training runs resume and end identical to an uninterrupted run; small and huge config values are
// refused before any work; an output never overwrites an input and is checked before the work;
// no value can inject a command into an emitted job script; sweep status tells running,
// resumable and interrupted runs apart; signals reach a sweep's children and a run is never run
// twice at once; errors name their input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::slurp;
using fmtest::write_file;

namespace fs = std::filesystem;

namespace {

std::string bin(const std::string& program) { return std::string(FMKIT_BIN_DIR) + "/" + program; }

// Starts `program args...` with stdout and stderr to files; returns its pid.
pid_t start(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(log.c_str(), "w", stderr);
    std::freopen("/dev/null", "w", stdout);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Polls until `pred` holds (at most `seconds`); returns whether it did.
template <class F>
bool eventually(F pred, double seconds = 60) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::string only_run(const std::string& dir) {
  const std::string ids = slurp(dir + "/runs.txt");
  return ids.substr(0, ids.find('\n'));
}

bool has_checkpoint(const std::string& out) {
  if (!fs::exists(out)) return false;
  try {
    return fm::io::H5File::open(out).attr_string("/", "status") == "checkpoint";
  } catch (...) {
    return false;
  }
}

// Whether any live process has `needle` in its command line.
bool process_with(const std::string& needle) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = slurp(e.path().string() + "/cmdline");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (cmd.find(needle) != std::string::npos && cmd.find("fm-train") != std::string::npos) return true;
  }
  return false;
}

// A training sweep long enough to interrupt: one run, checkpoints every 500 steps. The large OT
// batch (2 × the training batch) is solved once per two steps, so a resume lands inside a block.
std::string train_sweep(const std::string& name) {
  const std::string path = scratch(name);
  write_file(path, R"({"program": "fm-train",
    "base": {"model": {"hidden": [32, 32]}, "coupling": {"type": "sinkhorn", "eps_rel": 0.1, "ot_batch": 128},
             "train": {"steps": 20000, "batch": 64, "checkpoint_every": 500, "eval_every": 700}},
    "axes": [{"key": "seed", "values": [3]}]})");
  return path;
}

// Defect 1 and 7: an interrupted sweep resumes its checkpointed fm-train run, and the resumed
// run's /summary equals an uninterrupted run's (all but timings), its weights bit for bit.
TEST(Hardening, InterruptedTrainingSweepResumesToTheUninterruptedResult) {
  const std::string sw = train_sweep("resume_sweep.json"), dir = scratch("resume_sweep");
  const pid_t p = start({bin("fm-sweep"), "run", sw, "--out", dir}, scratch("resume_sweep.log"));
  ASSERT_TRUE(eventually([&] { return fs::exists(dir + "/runs.txt") && has_checkpoint(dir + "/runs/" + only_run(dir) + "/out.h5"); }))
      << slurp(scratch("resume_sweep.log"));
  kill(p, SIGTERM);
  EXPECT_EQ(wait_exit(p), 1);  // "interrupted: rerun the same command"
  const std::string rd = dir + "/runs/" + only_run(dir);
  // The signal reached the child: no fm-train of this run is left running.
  EXPECT_TRUE(eventually([&] { return !process_with(rd); }, 10));
  auto st = run("fm-sweep", "status " + dir);
  EXPECT_NE(st.out.find("0 running, 1 resumable"), std::string::npos) << st.out;
  const auto r = run("fm-sweep", "run " + sw + " --out " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto full = run("fm-train", "--config " + rd + "/config.json --out " + scratch("resume_full.h5") + " --threads 1");
  ASSERT_EQ(full.code, 0) << full.err;
  const auto a = fm::io::H5File::open(scratch("resume_full.h5")), b = fm::io::H5File::open(rd + "/out.h5");
  EXPECT_EQ(a.read_doubles("/runs/0/checkpoint/params"), b.read_doubles("/runs/0/checkpoint/params"));
  for (const char* k : {"train_loss", "val_loss", "best_val_loss", "sinkhorn_mean_iterations",
                        "sinkhorn_mean_marginal_error", "sinkhorn_max_marginal_error", "sinkhorn_mean_entropy",
                        "sinkhorn_unconverged_fraction"})
    EXPECT_EQ(a.read_doubles(std::string("/summary/") + k), b.read_doubles(std::string("/summary/") + k)) << k;
  for (const char* k : {"ot_solves", "steps"})
    EXPECT_EQ(a.read_ints(std::string("/summary/") + k), b.read_ints(std::string("/summary/") + k)) << k;
}

// Defect 7: --resume on a finished run leaves it as it was.
TEST(Hardening, ResumingAFinishedRunChangesNothing) {
  const std::string out = scratch("finished.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=200 --set model.hidden=[16] --out " + out).code, 0);
  const auto before = fs::last_write_time(out);
  const auto r = run("fm-train", "--resume --out " + out);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("already complete"), std::string::npos) << r.err;
  EXPECT_EQ(fs::last_write_time(out), before);
  // --config beside --resume must be the run's own config.
  write_file(scratch("other.json"), R"({"train": {"steps": 200, "lr": 0.01}, "model": {"hidden": [16]}})");
  const auto bad = run("fm-train", "--config " + scratch("other.json") + " --resume --out " + out);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("/train/lr"), std::string::npos) << bad.err;
}

// Defect 2: the values that crashed programs now exit 2 with one line naming the key, and leave
// no output or scratch behind.
TEST(Hardening, SmallAndHugeConfigValuesAreRefusedBeforeWork) {
  const std::string out = scratch("bad_value.h5");
  const std::string kl_off = " --set e2a.enabled=false --set g0.enabled=false --set g2a.enabled=false"
                             " --set e1.enabled=false --set e2b.enabled=false --set g1.enabled=false"
                             " --set g2b.enabled=false";
  const std::string cfgs = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/";
  const std::string pts = scratch("bad_value_points.h5");
  ASSERT_EQ(run("fm-sample", "--config " + cfgs + "exact_flow.json --set sample.n=40 --set logprob.points= --out " + pts).code, 0);
  const std::string y = " --y " + pts + ":/samples";
  const std::string gauss = R"( --target '{"type":"gaussian","mean":[1],"std":0.5}' --sigma2 1)";
  struct Case {
    const char* program;
    std::string args, key;
  };
  const std::vector<Case> cases = {
      {"fm-kl-study", "--set e0.ode_samples=0" + kl_off, "e0.ode_samples"},
      {"fm-kl-study", "--set e0.ode_samples=-1" + kl_off, "e0.ode_samples"},
      {"fm-kl-study", "--set g0.dims=[0]", "g0.dims[0]"},
      {"fm-kl-study", "--set g2a.dims=[0]", "g2a.dims[0]"},
      {"fm-kl-study", "--set g1.dims=[0]", "g1.dims[0]"},
      {"fm-kl-study", "--set g2b.dims=[0]", "g2b.dims[0]"},
      {"fm-kl-study", "--set g2b.grid=1", "g2b.grid"},
      {"fm-tv-study", "--config " + cfgs + "tv_quick.json --set kde.cv_points=0", "kde.cv_points"},
      {"fm-tv-study", "--config " + cfgs + "tv_quick.json --set kde.cv_points=-1", "kde.cv_points"},
      {"fm-sdfm-study", "--config " + cfgs + "sdfm_quick.json --set eval.straightness_n=0", "eval.straightness_n"},
      {"fm-ot", "exact --x " + cfgs + "../../data/README.md --y x.npy --threads 100000", "--threads"},
      {"fm-sample", "--config " + cfgs + "exact_flow.json --threads 100000", "--threads"},
      {"fm-sample", "--config " + cfgs + "exact_flow.json --threads 5000", "--threads"},
      {"fm-sample", "--config " + cfgs + "exact_flow.json --set sample.n=1e19", "sample.n"},
      {"fm-sample", "--config " + cfgs + "exact_flow.json --set sample.n=10000000000000000000", "sample.n"},
      {"fm-sample", "--config " + cfgs + "exact_flow.json --set sample.n=1e12", "sample.n"},
      {"fm-train", "--set train.steps=1e12", "train.steps"},
      {"fm-train", "--set train.batch=0", "train.batch"},
      // Solver flags: NaN was read as "not given", huge counts ran for ever or ran out of memory.
      {"fm-ot", "sinkhorn --x " + pts + ":/samples" + y + " --eps nan", "--eps"},
      {"fm-ot", "semidiscrete" + y + " --eps 0 --steps 1e12", "steps"},
      {"fm-ot", "semidiscrete" + y + " --eps 0 --batch 1000000000000", "batch"},
      {"fm-ot", "semidiscrete" + y + " --eps 0 --lr nan", "--lr"},
      {"fm-ot", "semidiscrete" + y + " --eps 0 --target-chi2 -1", "target chi2"},
      {"fm-ot", "semidiscrete" + y + " --eps 0 --eval-batch -1", "--eval-batch"},
      {"fm-ot", "semidiscrete" + y + " --eps 0 --eval-batch 100000000", "eval_batch must be at most 6250000"},
      {"fm-bound", "dfm" + gauss + " --steps 1000000000000", "--steps"},
      {"fm-bound", "dfm" + gauss + " --steps 16 --paths 1000000000000", "--paths"},
      {"fm-bound", "dfm" + gauss + " --steps 16 --delta nan", "--delta"},
      {"fm-bound", "kl --eps nan --lipschitz 1", "--eps"},
  };
  for (const Case& c : cases) {
    const auto start_t = std::chrono::steady_clock::now();
    const bool has_out = std::string(c.program) != "fm-bound";  // fm-bound writes no file
    const auto r = run(c.program, c.args + (has_out ? " --out " + out : std::string()));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_t).count();
    EXPECT_EQ(r.code, 2) << c.program << " " << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(c.key), std::string::npos) << c.key << ": " << r.err;
    EXPECT_FALSE(fs::exists(out) || fs::exists(out + ".tmp")) << c.args;
    EXPECT_LT(s, 30) << c.args << ": refused only after work";  // generous: a refusal is instant
  }
  // A JSON nested 200,000 levels deep (the parser recurses once per level).
  write_file(scratch("deep.json"), std::string(200000, '[') + std::string(200000, ']'));
  for (const char* p : {"fm-sample --model", "fm-train --config", "fm-kl-study --config"}) {
    const std::string prog(p, std::string(p).find(' '));
    const auto r = run(prog, std::string(p).substr(prog.size() + 1) + " " + scratch("deep.json") + " --out " + out);
    EXPECT_EQ(r.code, 2) << p << "\n" << r.err;
    EXPECT_NE(r.err.find("nested deeper"), std::string::npos) << r.err;
  }
}

// Defects 3 and 4: an output equal to an input, or one that cannot be created, is refused before
// any work, and the input is intact.
TEST(Hardening, OutputNeverOverwritesAnInputAndIsCheckedFirst) {
  const std::string model = scratch("io_model.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=100 --set model.hidden=[16] --out " + model).code, 0);
  const std::string before = slurp(model);
  auto r = run("fm-sample", "--model " + model + " --n 5 --out " + model);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("destroy the input"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(model), before);
  const std::string pts = scratch("io_points.h5");
  ASSERT_EQ(run("fm-sample", "--model " + model + " --n 8 --out " + pts).code, 0);
  r = run("fm-ot", "exact --x " + pts + ":/samples --y " + pts + ":/samples --out " + pts);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(fm::io::H5File::open(pts).exists("/samples"));
  const std::string cfg = scratch("io_config.json");
  write_file(cfg, R"({"train": {"steps": 10}})");
  r = run("fm-train", "--config " + cfg + " --out " + cfg);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(slurp(cfg), R"({"train": {"steps": 10}})");
  // A directory, or a missing folder, fails at once (the TV quick study would take minutes).
  fs::create_directories(scratch("io_dir"));
  const std::string tv = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/tv_quick.json";
  for (const std::string& bad : {scratch("io_dir"), scratch("no_such_folder/x.h5")}) {
    for (const std::string& cmd : std::vector<std::string>{"fm-tv-study --config " + tv, "fm-train --set train.steps=10",
                                   "fm-sample --model " + model, "fm-dfm-study --config " + std::string(FMKIT_SOURCE_DIR) +
                                       "/experiments/configs/dfm_quick.json"}) {
      const std::string prog = cmd.substr(0, cmd.find(' '));
      const auto t0 = std::chrono::steady_clock::now();
      r = run(prog, cmd.substr(prog.size() + 1) + " --out " + bad);
      EXPECT_EQ(r.code, 2) << cmd << " --out " << bad << "\n" << r.err;
      EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 30) << cmd;
    }
  }
}

// Defect 5: no value reaches an emitted script unchecked; paths are quoted.
TEST(Hardening, EmittedScriptsRefuseControlCharactersAndQuotePaths) {
  const std::string sw = scratch("inject.json");
  write_file(sw, R"({"program": "fm-train", "base": {"train": {"steps": 10}}, "axes": [{"key": "seed", "values": [0]}]})");
  const std::string pwned = scratch("pwned");
  const std::string evil = scratch("sweep") + "\ntouch " + pwned + " #";
  for (const char* mode : {"--slurm", "--parallel"}) {
    const auto r = run("fm-sweep", "emit " + sw + " --out '" + evil + "' " + mode);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("control characters"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(scratch("sweep") + "\ntouch " + pwned + " #"));
  for (const char* field : {R"("time": "01:00:00\ntouch PWNED")", R"("extra": ["--qos=x\ntouch PWNED"])",
                            R"("mem": "4G\r")", R"("cpus_per_task": "2")"}) {
    std::string text = R"({"program": "fm-train", "base": {"train": {"steps": 10}}, "slurm": {)" + std::string(field) +
                       R"(}, "axes": [{"key": "seed", "values": [0]}]})";
    write_file(sw, text);
    const auto r = run("fm-sweep", "emit " + sw + " --out " + scratch("inject_dir") + " --slurm");
    EXPECT_EQ(r.code, 2) << field << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // A directory with spaces is quoted in the #SBATCH line and in the command.
  write_file(sw, R"({"program": "fm-train", "base": {"train": {"steps": 10}}, "axes": [{"key": "seed", "values": [0]}]})");
  const std::string spaced = scratch("a dir with spaces");
  ASSERT_EQ(run("fm-sweep", "emit " + sw + " --out '" + spaced + "' --slurm").code, 0);
  const std::string script = slurp(spaced + "/sweep.slurm");
  EXPECT_NE(script.find("#SBATCH --output=\"" + fs::absolute(spaced).string() + "/runs/slurm-%A_%a.log\""),
            std::string::npos)
      << script;
  EXPECT_NE(script.find(" run-one '" + fs::absolute(spaced).string() + "'"), std::string::npos) << script;
}

// Defects 6 and 8: a run held by one fm-sweep is shown as running, a second fm-sweep on the same
// directory leaves it alone (no false failure), and SIGTERM to run-one reaches its child.
TEST(Hardening, ASecondSweepSkipsHeldRunsAndSignalsReachChildren) {
  const std::string sw = train_sweep("held_sweep.json"), dir = scratch("held_sweep");
  const pid_t first = start({bin("fm-sweep"), "run", sw, "--out", dir}, scratch("held_first.log"));
  ASSERT_TRUE(eventually([&] { return fs::exists(dir + "/runs.txt") && fs::exists(dir + "/runs/" + only_run(dir) + "/stderr.log"); }));
  const std::string rd = dir + "/runs/" + only_run(dir);
  auto st = run("fm-sweep", "status " + dir);
  EXPECT_NE(st.out.find("1 running"), std::string::npos) << st.out;
  const auto second = run("fm-sweep", "run " + sw + " --out " + dir);
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("another fm-sweep is running them"), std::string::npos) << second.err;
  EXPECT_FALSE(fs::exists(rd + "/status.json") && slurp(rd + "/status.json").find("failed") != std::string::npos);
  ASSERT_TRUE(eventually([&] { return has_checkpoint(rd + "/out.h5"); }));
  const auto one = run("fm-sweep", "run-one " + dir + " --index 0");
  EXPECT_EQ(one.code, 1);
  EXPECT_NE(one.err.find("lock is held"), std::string::npos) << one.err;
  kill(first, SIGHUP);  // SIGHUP too stops the sweep and its child
  EXPECT_EQ(wait_exit(first), 1);
  EXPECT_TRUE(eventually([&] { return !process_with(rd); }, 10));

  // run-one under SIGTERM (what scancel sends): the child goes too, and the run stays resumable.
  const pid_t task = start({bin("fm-sweep"), "run-one", dir, "--index", "0"}, scratch("held_task.log"));
  ASSERT_TRUE(eventually([&] { return process_with(rd); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(task, SIGTERM);
  EXPECT_EQ(wait_exit(task), 1);
  EXPECT_NE(slurp(scratch("held_task.log")).find("interrupted"), std::string::npos) << slurp(scratch("held_task.log"));
  EXPECT_TRUE(eventually([&] { return !process_with(rd); }, 10));
  st = run("fm-sweep", "status " + dir);
  EXPECT_NE(st.out.find("0 running, 1 resumable"), std::string::npos) << st.out;
}

// Defect 9: errors name their input, exit 2, one line.
TEST(Hardening, MalformedInputsAreNamed) {
  auto expect_named = [](const fmtest::RunResult& r, const std::string& name, const std::string& what) {
    EXPECT_EQ(r.code, 2) << what << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
    EXPECT_NE(r.err.find(name), std::string::npos) << what << ": " << r.err;
  };
  // A .npy header whose shape is not numbers (it gave "error: stoll"), and one promising more data
  // than the file holds (it gave "out of memory").
  for (const std::string shape : {"(abc, 2)", "(100000000000, 2)"}) {
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
    header.resize(118, ' ');
    header += '\n';
    std::string file = "\x93NUMPY";
    file += '\x01';
    file += '\x00';
    file += static_cast<char>(header.size() & 0xff);
    file += static_cast<char>(header.size() >> 8);
    file += header + std::string(32, '\0');
    write_file(scratch("bad.npy"), file);
    expect_named(run("fm-ot", "exact --x " + scratch("bad.npy") + " --y " + scratch("bad.npy")), "bad.npy", shape);
  }
  // A corrupt /config in a run file.
  const std::string model = scratch("corrupt_model.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=20 --set model.hidden=[8] --out " + model).code, 0);
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + model +
                         "', 'r+'); del f['config']; f['config'] = '{not json'\"")
                            .c_str()),
            0);
  expect_named(run("fm-sample", "--model " + model + " --n 4"), "/config", "corrupt /config");
  expect_named(run("fm-ot", "semidiscrete --y " + scratch("corrupt_model.h5") + ":/runs/0/train/loss --eps 0 --source '{bad'"),
               "--source", "--source '{bad'");
  // Wrong types in a sweep's status.json and slurm object.
  const std::string sw = scratch("types.json"), dir = scratch("types_dir");
  write_file(sw, R"({"program": "fm-train", "base": {"train": {"steps": 10}}, "axes": [{"key": "seed", "values": [0]}]})");
  ASSERT_EQ(run("fm-sweep", "emit " + sw + " --out " + dir + " --parallel").code, 0);
  write_file(dir + "/runs/" + only_run(dir) + "/status.json", R"({"status": 5, "attempts": "x"})");
  expect_named(run("fm-sweep", "status " + dir), "status.json", "status.json types");
  write_file(sw, R"({"program": "fm-train", "base": {}, "slurm": {"extra": "--qos=x"}, "axes": [{"key": "seed", "values": [0]}]})");
  expect_named(run("fm-sweep", "emit " + sw + " --out " + scratch("types_dir2") + " --slurm"), "slurm.extra",
               "slurm types");
}

}  // namespace
