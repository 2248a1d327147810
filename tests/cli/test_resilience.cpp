// Resilience (issue: sweeps and resilience): a training run killed with SIGKILL resumes to the
// same bits as an uninterrupted run; truncated or corrupted checkpoints and HDF5/point inputs give
// one clear line and exit 2; randomly malformed configs and point files never crash a program; a
// full disk or an unwritable directory gives a clear error and leaves no partial file; a run stopped
// by SIGTERM leaves neither its FILE.tmp nor its scratch directory behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fmkit/core/rng.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::slurp;
using fmtest::write_file;

namespace fs = std::filesystem;

namespace {

const std::string kExactFlow = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/exact_flow.json";

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }
// The program's own lines (a log of a run that started work also holds its progress lines).
int lines_of(const std::string& s, const std::string& program) {
  int n = 0;
  for (std::size_t p = 0; p < s.size(); p = s.find('\n', p) + 1) {
    if (s.compare(p, program.size() + 2, program + ": ") == 0) ++n;
    if (s.find('\n', p) == std::string::npos) break;
  }
  return n;
}

// Copies the first `keep` bytes of `from` to `to`.
void truncate_copy(const std::string& from, const std::string& to, std::size_t keep) {
  const std::string all = slurp(from);
  std::ofstream(to, std::ios::binary) << all.substr(0, std::min(keep, all.size()));
}

}  // namespace

TEST(Resilience, SigkilledTrainingResumesBitIdentical) {
  const std::string common = " --set train.steps=6000 --set train.batch=64 --set train.eval_every=500"
                             " --set train.checkpoint_every=500 --threads 1";
  const std::string straight = scratch("kill_straight.h5"), killed = scratch("kill_resumed.h5");
  ASSERT_EQ(run("fm-train", common + " --out " + straight).code, 0);
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string bin = std::string(FMKIT_BIN_DIR) + "/fm-train";
    freopen("/dev/null", "w", stderr);
    execl("/bin/sh", "sh", "-c", (bin + common + " --out " + killed).c_str(), nullptr);
    _exit(127);
  }
  // Kill it hard as soon as the first checkpoint is on disk (mid-way through the 6000 steps).
  for (int i = 0; i < 2000 && !fs::exists(killed); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(fs::exists(killed)) << "no checkpoint appeared";
  kill(pid, SIGKILL);
  system("pkill -KILL -f kill_resumed.h5 > /dev/null 2>&1");  // the program under the shell
  waitpid(pid, nullptr, 0);
  const auto mid = fm::io::H5File::open(killed);
  ASSERT_EQ(mid.attr_string("/", "status"), "checkpoint");
  const auto r = run("fm-train", "--resume --out " + killed + " --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = fm::io::H5File::open(straight), b = fm::io::H5File::open(killed);
  EXPECT_EQ(b.attr_string("/", "status"), "complete");
  for (const char* ds : {"/runs/0/checkpoint/params", "/runs/0/checkpoint/ema", "/runs/0/checkpoint/adam_m",
                         "/runs/0/checkpoint/adam_v", "/runs/0/train/loss", "/runs/0/eval/val_loss"})
    EXPECT_EQ(a.read_doubles(ds), b.read_doubles(ds)) << ds;
}

TEST(Resilience, TruncatedOrCorruptInputsGiveOneClearLine) {
  const std::string good = scratch("res_good.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=50 --set train.eval_every=50 --out " + good).code, 0);
  const auto size = fs::file_size(good);
  for (std::size_t keep : {std::size_t{0}, std::size_t{100}, static_cast<std::size_t>(size / 2), static_cast<std::size_t>(size - 16)}) {
    const std::string bad = scratch("res_trunc_" + std::to_string(keep) + ".h5");
    truncate_copy(good, bad, keep);
    for (const std::string& cmd : {"fm-train --resume --out " + bad, "fm-sample --model " + bad + " --n 10"}) {
      const auto r = run(cmd.substr(0, cmd.find(' ')), cmd.substr(cmd.find(' ') + 1));
      EXPECT_EQ(r.code, 2) << cmd << " (" << keep << " bytes)\n" << r.err;
      EXPECT_EQ(lines(r.err), 1) << r.err;
      EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;  // the message names the file
    }
  }
  // Garbage with an HDF5 signature, and a plain text file posing as a run.
  const std::string junk = scratch("res_junk.h5");
  std::ofstream(junk, std::ios::binary) << "\x89HDF\r\n\x1a\n" << std::string(4096, '\x7f');
  for (const std::string& f : {junk, scratch("res_text.h5")}) {
    if (f != junk) write_file(f, "not hdf5\n");
    const auto r = run("fm-sample", "--model " + f + " --n 10");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
}

TEST(Resilience, RandomlyMalformedConfigsAndPointFilesNeverCrash) {
  // A fixed budget of mutations of every study's own resolved config: truncation, deletion and
  // insertion of structural characters, number → string swaps. Each program must answer 0 (the
  // mutation left a valid config) or 2 with one line — never a crash or a hang.
  fm::Rng rng(2026, "fuzz");
  const std::string alphabet = "{}[],:\"0-.ae ";
  int checked = 0, rejected = 0;
  // Each program's base is a valid config: a shipped one where the defaults alone name no data.
  const std::string configs = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/";
  const std::vector<std::pair<const char*, std::string>> programs = {
      {"fm-train", ""}, {"fm-sample", "--config " + configs + "exact_flow.json"},
      {"fm-kl-study", ""}, {"fm-dfm-study", "--config " + configs + "dfm_quick.json"},
      {"fm-sdfm-study", "--config " + configs + "sdfm_quick.json"}, {"fm-tv-study", "--config " + configs + "tv_quick.json"}};
  for (const auto& [prog, base_args] : programs) {
    const auto base = run(prog, base_args + " --dump-config");
    ASSERT_EQ(base.code, 0) << prog << ": " << base.err;
    for (int k = 0; k < 25; ++k) {
      std::string text = base.out;
      const std::size_t pos = rng.below(text.size());
      switch (k % 4) {
        case 0: text = text.substr(0, pos); break;
        case 1: text.erase(pos, 1 + rng.below(4)); break;
        case 2: text.insert(pos, 1, alphabet[rng.below(alphabet.size())]); break;
        default: {
          const std::size_t d = text.find_first_of("0123456789", pos);
          if (d != std::string::npos) text.replace(d, 1, "\"x\"");
        }
      }
      const std::string cfg = scratch(std::string("fuzz_") + prog + ".json");
      write_file(cfg, text);
      // fm-train runs for real (one step); the studies resolve and validate their config.
      const std::string args = std::string(prog) == "fm-train"
                                   ? "--config " + cfg + " --set train.steps=1 --set train.eval_every=1 --set train.val_size=8" +
                                         " --out " + scratch("fuzz_train.h5")
                                   : "--config " + cfg + " --dump-config";
      const auto r = run(prog, args + " > /dev/null");
      ++checked;
      ASSERT_TRUE(r.code == 0 || r.code == 2) << prog << " exit " << r.code << " on:\n" << text << "\n" << r.err;
      if (r.code == 2) {
        ++rejected;
        EXPECT_EQ(lines(r.err), 1) << prog << ": " << r.err;
        EXPECT_EQ(r.err.rfind(std::string(prog) + ": error: ", 0), 0u) << r.err;
      }
    }
  }
  EXPECT_GT(rejected, checked / 3);  // the mutations do break most configs
  // Point files: random bytes, a truncated .npy, a CSV with junk and ragged rows.
  const std::string npy = scratch("fuzz_points.npy");
  for (int k = 0; k < 12; ++k) {
    std::string bytes;
    if (k < 4) {
      for (int i = 0; i < 64 + 50 * k; ++i) bytes += static_cast<char>(rng.below(256));
      if (k == 3) bytes = "\x93NUMPY" + bytes;
    } else if (k < 8) {
      bytes = "1.0,2.0\n3.0," + std::string(k - 4, ',') + "x\n";
    } else {
      bytes = std::string("\x93NUMPY\x01\x00", 8) + "v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (" +
              std::to_string(1000 * k) + ", 2), }" + std::string(40, ' ') + "\n" + std::string(64, '\x01');
    }
    const std::string path = k >= 4 && k < 8 ? scratch("fuzz_points.csv") : npy;
    std::ofstream(path, std::ios::binary) << bytes;
    const auto r = run("fm-train", "--set 'target={\"type\":\"dataset\",\"path\":\"" + path +
                                       "\"}' --set train.steps=1 --set train.eval_every=1");
    EXPECT_EQ(r.code, 2) << k << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
}

// What fm-sweep does to its runs on Ctrl-C, and Slurm at a time limit: SIGTERM. The study has by
// then created out.h5.tmp and is training (on points in memory).
TEST(Resilience, SigtermedStudyLeavesNoTemporaryFiles) {
  const std::string out = scratch("sigterm.h5");
  const std::string config = std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/sdfm_quick.json";
  const pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    const std::string bin = std::string(FMKIT_BIN_DIR) + "/fm-sdfm-study";
    execl(bin.c_str(), bin.c_str(), "--config", config.c_str(), "--set", "only=[\"moons\"]", "--set", "oracle.only=[]",
          "--threads", "1", "--out", out.c_str(), nullptr);
    _exit(127);
  }
  for (int i = 0; i < 4000 && !fs::exists(out + ".tmp"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(fs::exists(out + ".tmp")) << "the study never opened its output";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // into training
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the study finished before it was stopped";
  EXPECT_EQ(WTERMSIG(status), SIGTERM);  // re-raised: the parent still learns how it ended
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
  // The training sets live in memory: no scratch directory was ever made.
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
    EXPECT_NE(e.path().filename().string().rfind("fmkit_sdfm_" + std::to_string(pid), 0), 0u) << e.path();
}

// Ctrl-C or a kill of fm-train says what is left: with a checkpoint on disk, the command that
// resumes it (issue 25); stopped before the first checkpoint, that nothing was written.
TEST(Resilience, StoppedTrainingSaysHowToResume) {
  for (const bool after_checkpoint : {true, false}) {
    const std::string out = scratch(after_checkpoint ? "stop_hint.h5" : "stop_hint_early.h5"),
                      err = scratch("stop_hint.err");
    fs::remove(out);
    const pid_t pid = fork();
    if (pid == 0) {
      freopen(err.c_str(), "w", stderr);
      const std::string bin = std::string(FMKIT_BIN_DIR) + "/fm-train";
      execl(bin.c_str(), bin.c_str(), "--set", "train.steps=1000000", "--set",
            after_checkpoint ? "train.checkpoint_every=20" : "train.checkpoint_every=900000", "--set", "train.ema=0.9",
            "--threads", "1", "--out", out.c_str(), nullptr);
      _exit(127);
    }
    if (after_checkpoint)
      for (int i = 0; i < 4000 && !fs::exists(out); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    const std::string text = slurp(err);
    if (after_checkpoint) {
      EXPECT_NE(text.find("Resume with: fm-train --out '" + out + "' --resume"), std::string::npos) << text;
      EXPECT_EQ(run("fm-train", "--resume --dump-config --out " + out).code, 0);  // the file is a run to resume
    } else {
      EXPECT_NE(text.find("before the first checkpoint; nothing was written"), std::string::npos) << text;
      EXPECT_FALSE(fs::exists(out));
    }
  }
}

TEST(Resilience, FullDiskOrUnwritableDirectoryLeavesNoPartialFile) {
  // A 200 kB file-size limit stands in for a full disk: the 3.2 MB of samples cannot be written.
  const std::string out = scratch("full_disk.h5");
  const std::string cmd = "bash -c \"trap '' XFSZ; ulimit -f 200; " + std::string(FMKIT_BIN_DIR) +
                          "/fm-sample --config " + kExactFlow + " --set sample.n=200000 "
                          "--set sample.solver=euler --set sample.nfe=2 --set sample.trajectories=0 "
                          "--set logprob.points= --out " + out + "\" 2> " + scratch("full_disk.err");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = slurp(scratch("full_disk.err"));
  EXPECT_EQ(lines_of(err, "fm-sample"), 1) << err;  // one error line, after the sampling's progress lines
  EXPECT_NE(err.find("fm-sample: error: HDF5: cannot write dataset '/samples'\n"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
  // A directory that does not exist, and a "directory" that is a file.
  for (const std::string& bad : {scratch("no/such/dir/x.h5"), std::string("/etc/hostname/x.h5")}) {
    const auto r = run("fm-sample", "--config " + kExactFlow + " --set sample.n=10 --out " + bad);
    EXPECT_NE(r.code, 0);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(bad));
  }
}
