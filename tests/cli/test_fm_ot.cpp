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
      {"sinkhorn --x " + x + " --y " + x + " --eps 0.1 --eps-rel 0.1", "at most one"},
      {"exact --x " + x + " --y " + x + " --x-weights " + w, "non-negative"},
      {"exact --x " + x + " --y " + x + " --cost l1", "unknown cost"},
      {"semidiscrete --x " + x + " --y " + x + " --eps 0", "--source"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = run("fm-ot", args + " --out " + out);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
}

}  // namespace
