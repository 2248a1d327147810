// fm-ot end to end: JSON contract, result datasets, non-convergence reported, bad input exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <cmath>
#include <fstream>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

void write_csv(const std::string& path, int n, int d, double shift) {
  std::ofstream f(path);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) f << std::sin(1.7 * i + 0.3 * k) * 2 + shift << (k + 1 < d ? "," : "\n");
}

TEST(FmOt, SinkhornExactAndSemidiscreteJson) {
  const std::string x = scratch("x.csv"), y = scratch("y.csv"), out = scratch("sk.h5");
  write_csv(x, 60, 2, 0);
  write_csv(y, 50, 2, 1);
  auto r = run("fm-ot", "sinkhorn --x " + x + " --y " + y + " --eps-rel 0.05 --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = fm::cfg::json::parse(r.out);
  for (const char* k : {"status", "cost", "marginal_error", "iterations", "wall_time_s"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["status"], "converged");
  EXPECT_LT(j["marginal_error"].get<double>(), 1e-3);
  {
    const auto f = fm::io::H5File::open(out);
    EXPECT_EQ(f.read_matrix("/result/plan").rows(), 60);
    EXPECT_EQ(f.read_matrix("/result/g").rows(), 50);
  }
  r = run("fm-ot", "sinkhorn --x " + x + " --y " + y + " --eps-rel 0.001 --max-iter 3");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("max_iterations"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("did not converge"), std::string::npos) << r.err;
  const std::string ex = scratch("ex.h5");
  r = run("fm-ot", "exact --x " + x + " --y " + x + " --json --out " + ex);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NEAR(fm::cfg::json::parse(r.out)["cost"].get<double>(), 0.0, 1e-12);  // a set onto itself
  EXPECT_EQ(fm::io::H5File::open(ex).read_ints("/result/assignment")[7], 7);
  r = run("fm-ot", "semidiscrete --y " + y + " --eps 0 --steps 4000 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = fm::cfg::json::parse(r.out);
  EXPECT_TRUE(j.contains("chi2"));
  EXPECT_LT(j["chi2"].get<double>(), 0.05);
  // χ²-level snapshots: the potential kept at each level reached, in the order reached.
  const std::string sdo = scratch("sd.h5");
  r = run("fm-ot", "semidiscrete --y " + y + " --eps 0 --steps 4000 --snapshots 1,0.3,0.1 --json --out " + sdo);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(sdo);
  const auto level = f.read_doubles("/result/snapshots/level");
  const auto step = f.read_ints("/result/snapshots/step");
  const fm::Mat gs = f.read_matrix("/result/snapshots/g");
  ASSERT_EQ(level.size(), 3u);
  EXPECT_EQ(gs.rows(), 3);
  EXPECT_EQ(gs.cols(), static_cast<fm::Index>(f.read_doubles("/result/g").size()));
  for (std::size_t k = 1; k < step.size(); ++k) EXPECT_LE(step[k - 1], step[k]);  // tighter levels are reached later
  EXPECT_EQ(run("fm-ot", "semidiscrete --y " + y + " --eps 0 --snapshots 0.1,-1").code, 2);
}

TEST(FmOt, BadInputExitsTwoWithoutAFile) {
  const std::string x = scratch("bx.csv"), y3 = scratch("by3.csv"), w = scratch("w.csv"), out = scratch("bad.h5");
  write_csv(x, 10, 2, 0);
  write_csv(y3, 10, 3, 0);
  std::ofstream(w) << "0.5\n0.6\n-0.1\n0\n0\n0\n0\n0\n0\n0\n";
  const std::pair<std::string, std::string> cases[] = {
      {"sinkhorn --x " + x + " --y " + y3, "dimension"},
      {"sinkhorn --x " + x + " --y " + x + " --eps 0", "epsilon"},
      {"sinkhorn --x " + x + " --y " + x + " --eps 0.1 --eps-rel 0.1", "excludes"},
      {"exact --x " + x + " --y " + x + " --x-weights " + w, "non-negative"},
      {"exact --x " + x + " --y " + x + " --cost l1", "unknown cost"},
      {"semidiscrete --x " + x + " --y " + x + " --eps 0", "--x"},
      {"semidiscrete --y " + x, "--eps-rel"},  // exactly one of --eps and --eps-rel
      {"semidiscrete --y " + x + " --eps 0 --eps-rel 0.1", "--eps-rel"},
      {"semidiscrete --y " + x + " --eps 0 --steps -1", "--steps"},
      {"semidiscrete --y " + x + " --eps-warmup nan --eps 0", "--eps-warmup"},
      {"semidiscrete --y " + x + " --eps 0 --average mean", "--average"},
      {"semidiscrete --y " + x + " --eps 0 --eval-every -1", "--eval-every"},
      {"semidiscrete --y " + x + " --eps 0 --eval-every 1e12", "--eval-every"},
      {"semidiscrete --y " + x + " --eps 0 --eval-every nan", "--eval-every"},
      {"sinkhorn --x " + x + " --y " + x + " --omega 2", "--omega"},
      {"sinkhorn --x " + x + " --y " + x + " --omega 0.5", "--omega"},
      {"sinkhorn --x " + x + " --y " + x + " --omega nan", "--omega"},
      {"sinkhorn --x " + x + " --y " + x + " --omega fast", "--omega"},
      {"sinkhorn --x " + x + " --y " + x + " --stop-norm linf", "--stop-norm"},
      {"sinkhorn --x " + x + " --y " + x + " --omega auto --kernel-mode", "kernel_mode"},
      {"semidiscrete --y " + x + " --eps-rel 0.1 --mips hnsw", "--mips"},
      {"semidiscrete --y " + x + " --eps 0 --mips annoy", "--mips"},
      {"semidiscrete --y " + x + " --eps 0 --mips hnsw --hnsw-m 0", "--hnsw-m"},
      {"semidiscrete --y " + x + " --eps 0 --mips hnsw --hnsw-ef 1e12", "--hnsw-ef"},
      {"semidiscrete --y " + x + " --eps 0 --mips ivf --ivf-nlist 11", "ivf_nlist"},
      {"semidiscrete --y " + x + " --eps 0 --mips ivf --ivf-nlist 4 --ivf-nprobe 5", "ivf_nprobe"},
      {"semidiscrete --y " + x + " --eps 0 --mips ivf --probes 0", "--probes"},
      {"semidiscrete --y " + x + " --eps 0 --mips ivf --hnsw-m 8", "--hnsw-m"},
      {"semidiscrete --y " + x + " --eps 0 --probes 4096", "--probes"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = run("fm-ot", args + " --out " + out);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
}

// fm-ot is driven by flags and files: --config, --set and --dump-config are not its flags (a
// usage error, not silently ignored). Its output records what ran, "0 = automatic" values
// resolved, and its summary comes from the solver's own result.
TEST(FmOt, FlagsOnlyAndTheResolvedOptionsAreRecorded) {
  const std::string x = scratch("fx.csv"), y = scratch("fy.csv"), out = scratch("fo.h5");
  write_csv(x, 30, 2, 0);
  write_csv(y, 20, 2, 1);
  for (const char* bad : {"--set eps=0.5", "--config c.json", "--dump-config"}) {
    const auto r = run("fm-ot", "sinkhorn --x " + x + " --y " + y + " " + bad);
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find(std::string(bad).substr(0, 5)), std::string::npos) << r.err;
  }
  auto r = run("fm-ot", "semidiscrete --y " + y + " --eps 0 --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["cost_kind"], "dot");  // "cost" is a number in every mode, never the cost's name
  EXPECT_FALSE(j.contains("cost"));
  const auto f = fm::io::H5File::open(out);
  const auto c = fm::cfg::json::parse(f.read_string("/config"));
  // 20 atoms: batch max(256, 20/16) = 256 and steps 10000·20/256 clamped to 10000.
  EXPECT_EQ(c["solver"], "semidiscrete");
  EXPECT_EQ(c["batch"], 256);
  EXPECT_EQ(c["steps"], 10000);
  EXPECT_GT(c["lr"].get<double>(), 0);
  EXPECT_EQ(f.read_doubles("/summary/iterations")[0], j["iterations"].get<double>());
  // Help lists only what the subcommand takes, and shows the epsilon choice as required.
  r = run("fm-ot", "semidiscrete --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.find("--x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--eps-rel"), std::string::npos) << r.out;
  // A warning reaches stderr in --json mode too.
  r = run("fm-ot", "sinkhorn --x " + x + " --y " + y + " --eps-rel 0.001 --max-iter 3 --json");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(fm::cfg::json::parse(r.out)["status"], "max_iterations");
  EXPECT_NE(r.err.find("did not converge"), std::string::npos) << r.err;
  const auto sk = run("fm-ot", "sinkhorn --x " + x + " --y " + y + " --json --out " + scratch("sk2.h5"));
  ASSERT_EQ(sk.code, 0) << sk.err;
  const auto skc = fm::cfg::json::parse(fm::io::H5File::open(scratch("sk2.h5")).read_string("/config"));
  EXPECT_EQ(skc["solver"], "sinkhorn");
  EXPECT_NEAR(skc["eps"].get<double>(), fm::cfg::json::parse(sk.out)["eps"].get<double>(), 0);  // the resolved eps
}

// Over-relaxation, the L2 stop and an approximate MIPS index from the command line (issue 23).
TEST(FmOt, RelaxedSinkhornAndApproximateMipsReportWhatTheyReached) {
  const std::string x = scratch("rx.csv"), y = scratch("ry.csv");
  write_csv(x, 80, 3, 0);
  write_csv(y, 70, 3, 1);
  const std::string base = "sinkhorn --x " + x + " --y " + y + " --eps-rel 0.01 --tol 1e-7 --stop-norm l2 --json";
  auto r = run("fm-ot", base + " --max-iter 100000");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto plain = fm::cfg::json::parse(r.out);
  r = run("fm-ot", base + " --max-iter 100000 --omega auto --eps-scaling");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto fast = fm::cfg::json::parse(r.out);
  for (const auto* j : {&plain, &fast}) {
    EXPECT_EQ((*j)["status"], "converged");
    EXPECT_EQ((*j)["stop_norm"], "l2");
    EXPECT_LT((*j)["marginal_error_l2"].get<double>(), 1e-7);
    EXPECT_LT((*j)["row_error"].get<double>(), 1e-5);
  }
  EXPECT_GT(fast["omega"].get<double>(), 1.0);
  EXPECT_LT(fast["iterations"].get<long>(), plain["iterations"].get<long>());
  EXPECT_NEAR(fast["cost"].get<double>(), plain["cost"].get<double>(), 1e-5 * plain["cost"].get<double>());
  r = run("fm-ot", "semidiscrete --y " + y + " --eps 0 --steps 3000 --mips hnsw --hnsw-ef 128 --probes 4096 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto sd = fm::cfg::json::parse(r.out);
  EXPECT_EQ(sd["mips"], "hnsw");
  EXPECT_EQ(sd["mips_probes"], 4096);
  EXPECT_GT(sd["mips_recall"].get<double>(), 0.95);
  EXPECT_TRUE(sd.contains("mips_chi2") && sd.contains("mips_chi2_exact"));
}

}  // namespace
