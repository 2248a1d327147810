// fm-bound kl end to end: JSON contract, check values, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fmkit/core/config.hpp"
#include "fmkit/core/quadrature.hpp"
#include "fmkit/dist/holder_density.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;

namespace {

const std::string kConstants =
    "kl --eps 0.2043 --lipschitz 1.1 --grad-div 0 --fisher-path 1.1681 --fisher-source 2 --source-score-lipschitz 1";

TEST(FmBound, KlFromConstantsJson) {
  auto r = run("fm-bound", kConstants + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = fm::cfg::json::parse(r.out);
  EXPECT_NEAR(j["A1"].get<double>(), 5.329, 5e-4);
  EXPECT_NEAR(j["A2"].get<double>(), 5.738, 5e-4);
  EXPECT_NEAR(j["kl_bound"].get<double>(), 1.328, 5e-4);
  EXPECT_FALSE(j.contains("cs_bound"));
  r = run("fm-bound", kConstants + " --S 8.785e-3 --json");
  j = fm::cfg::json::parse(r.out);
  EXPECT_NEAR(j["cs_bound"].get<double>(), 1.9148e-2, 5e-6);
  for (const char* k : {"A1", "A2", "kl_bound", "tv_bound", "cs_bound"}) EXPECT_TRUE(j.contains(k)) << k;
}

TEST(FmBound, KlFromModelJson) {
  const auto r = run("fm-bound",
                     "kl --model '{\"field\":\"exact\",\"target\":{\"type\":\"schedule\",\"name\":\"a2\",\"dim\":2},"
                     "\"perturbation\":{\"type\":\"linear\",\"scale\":0.1}}' --target "
                     "'{\"type\":\"schedule\",\"name\":\"a2\",\"dim\":2}' --grid 21 --n-score 256 --n-kl 5000 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  for (const char* k : {"eps", "S", "kl", "kl_se", "cs_bound", "A1", "A2", "kl_bound", "tv_bound", "L_v", "M_v",
                        "I_p", "I_0", "L_0"})
    EXPECT_TRUE(j.contains(k)) << k;
  // Constant δ = 0.1: KL = e^{−0.2} − 1 + 0.2 in d = 2 for every schedule.
  EXPECT_NEAR(j["kl"].get<double>(), 1.8731e-2, 3 * j["kl_se"].get<double>());
  EXPECT_EQ(j["kl_bound_violated"], 0);
}

TEST(FmBound, KlAgainstAHolderTargetByQuadrature) {
  // q = the exact N(0, 1) → N(0, 1) flow, p = the holder density (its path by quadrature):
  // KL(p‖q₁) = ∫ p log(1 + a(|x|^β − m_β)) dx, integrated here independently of the program.
  const fm::dist::HolderDensity h(1.0, 0.4);
  const auto ref = fm::integrate_adaptive(
      [&](double x, double* o) {
        const double lp = h.log_density_at(x);
        o[0] = std::exp(lp) * (lp + 0.5 * x * x + 0.5 * std::log(2 * M_PI));
      },
      1, -12, 12, {0.0}, 0, 1e-12);
  const auto r = run("fm-bound",
                     "kl --model '{\"field\":\"exact\",\"target\":{\"type\":\"gaussian\",\"mean\":[0],\"std\":1}}' "
                     "--target '{\"type\":\"holder\",\"beta\":1}' --grid 11 --n-eps 512 --n-score 128 --n-kl 20000 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_NEAR(j["kl"].get<double>(), ref.value[0], 3 * j["kl_se"].get<double>() + 1e-4);
  EXPECT_GT(j["eps"].get<double>(), 0.01);  // the two exact velocities differ before t = 1
  EXPECT_EQ(j["kl_bound_violated"], 0);
}

// fm-bound takes flags, not a config (--set is a usage error, never ignored), and --out writes
// the printed summary as one /summary row with the inputs as /config.
TEST(FmBound, FlagsOnlyAndOutWritesTheSummary) {
  const std::string consts =
      "kl --eps 0.1 --lipschitz 1 --grad-div 0 --fisher-path 1 --fisher-source 2 --source-score-lipschitz 1";
  for (const char* bad : {" --set eps=0.5", " --dump-config", " --config x.json"})
    EXPECT_EQ(run("fm-bound", consts + bad).code, 2) << bad;
  const std::string out = fmtest::scratch("bound.h5");
  const auto r = run("fm-bound", consts + " --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  const auto f = fm::io::H5File::open(out);
  EXPECT_EQ(f.read_doubles("/summary/kl_bound")[0], j["kl_bound"].get<double>());
  EXPECT_EQ(fm::cfg::json::parse(f.read_string("/config"))["eps"], 0.1);
  const std::string dout = fmtest::scratch("dfm_bound.h5");
  const auto d = run("fm-bound", "dfm --target '{\"type\":\"gaussian\",\"mean\":[2],\"std\":0.5}' --sigma2 1 --steps 8 "
                                 "--json --out " + dout);
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(fm::io::H5File::open(dout).read_doubles("/summary/kl_path")[0],
            fm::cfg::json::parse(d.out)["kl_path"].get<double>());
}

// `fm-bound tv`: the TV chain for the E2A velocity (a2(t) + 0.1)x against the a2 path, each link
// measured: TV ≤ √(KL/2) (Pinsker, up to Monte-Carlo error) ≤ √(kl_bound/2).
TEST(FmBound, TvChainFromAModel) {
  const auto r = run("fm-bound", "tv --model '{\"field\":\"exact\",\"target\":{\"type\":\"schedule\",\"name\":\"a2\","
                                 "\"dim\":2},\"perturbation\":{\"type\":\"linear\",\"scale\":0.1}}' --target "
                                 "'{\"type\":\"schedule\",\"name\":\"a2\",\"dim\":2}' --n-kl 4000 --grid 21 --n-eps 512 "
                                 "--n-score 256 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  for (const char* k : {"tv", "tv_se", "tv_pinsker", "tv_bound", "kl", "kl_bound"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_FALSE(j.contains("A1"));  // the chain only
  EXPECT_GT(j["tv"].get<double>(), 0.0);
  EXPECT_LE(j["tv"].get<double>(), j["tv_pinsker"].get<double>() + 3 * j["tv_se"].get<double>());
  EXPECT_LE(j["tv_pinsker"].get<double>(), j["tv_bound"].get<double>());
}

// A trained 8gaussians run is bounded against the target it records, with no --target: the toy is
// the mixture it is drawn from, so the numbers equal those against the explicit gmm spec.
TEST(FmBound, KlTakesTheTargetFromTheRunAndEightGaussiansIsAMixture) {
  const std::string model = fmtest::scratch("bound_8g.h5");
  auto r = run("fm-train", "--set train.steps=200 --set train.ema=0.9 --threads 1 --out " + model);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string sizes = " --grid 5 --n-eps 256 --n-score 64 --n-kl 400 --json";
  r = run("fm-bound", "kl --model " + model + sizes);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto own = fm::cfg::json::parse(r.out);
  // The default toy written out: eight equal components at radius 5, std 0.1^(1/4).
  std::string means, stds;
  for (int k = 0; k < 8; ++k) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s[%.17g,%.17g]", k ? "," : "", 5 * std::cos(k * M_PI / 4), 5 * std::sin(k * M_PI / 4));
    means += buf;
    std::snprintf(buf, sizeof buf, "%s%.17g", k ? "," : "", std::pow(0.1, 0.25));
    stds += buf;
  }
  const std::string gmm = "'{\"type\":\"gmm\",\"weights\":[0.125,0.125,0.125,0.125,0.125,0.125,0.125,0.125],"
                          "\"means\":[" + means + "],\"stds\":[" + stds + "]}'";
  r = run("fm-bound", "kl --model " + model + " --target " + gmm + sizes);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto explicit_gmm = fm::cfg::json::parse(r.out);
  for (const char* k : {"eps", "S", "kl", "I_p", "L_v", "kl_bound"}) {
    ASSERT_TRUE(own.contains(k)) << k;
    EXPECT_NEAR(own[k].get<double>(), explicit_gmm[k].get<double>(), 1e-9 * (1 + std::abs(own[k].get<double>()))) << k;
  }
  EXPECT_GT(own["kl"].get<double>(), 0.0);
}

// moons has no closed-form path: the model's own constants, and one line naming what is missing.
TEST(FmBound, KlOfAModelWithoutAnExactPathGivesItsConstants) {
  const std::string model = fmtest::scratch("bound_moons.h5");
  auto r = run("fm-train", "--set target.name=moons --set train.steps=100 --set train.ema=0.9 --threads 1 --out " + model);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("fm-bound", "kl --model " + model + " --grid 5 --n-score 64 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["I_0"].get<double>(), 2.0);  // N(0, I₂): tr I = 2, ‖I‖ = 1
  EXPECT_EQ(j["L_0"].get<double>(), 1.0);
  EXPECT_GT(j["L_v"].get<double>(), 0.0);
  EXPECT_LE(j["L_v"].get<double>(), j["L_v_rigorous"].get<double>());  // sampled below the rigorous bound
  for (const char* k : {"eps", "kl", "kl_bound", "I_p"}) EXPECT_FALSE(j.contains(k)) << k;
  EXPECT_NE(r.err.find("toy2d:moons has no closed-form path"), std::string::npos) << r.err;
  const auto line = r.err.substr(r.err.find("fm-bound: "));
  EXPECT_EQ(line.find("fm-bound: ", 1), std::string::npos) << r.err;  // said once, on one line
  EXPECT_NE(line.find("are not computed; L_v, M_v"), std::string::npos) << line;
  EXPECT_LT(line.find("are not computed"), line.find('\n')) << line;
  r = run("fm-bound", "tv --model " + model + " --grid 5 --n-score 64");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("TV chain"), std::string::npos) << r.err;
}

TEST(FmBound, BadInputExitsTwo) {
  for (const std::string& args :
       {std::string("kl --eps -1 --lipschitz 1 --grad-div 0 --fisher-path 1 --fisher-source 2 --source-score-lipschitz 1"),
        std::string("kl --eps nan --lipschitz 1 --grad-div 0 --fisher-path 1 --fisher-source 2 --source-score-lipschitz 1"),
        std::string("kl --eps 0.1"),
        std::string("kl --model '{\"target\":{\"type\":\"gaussian\",\"mean\":[0,0],\"std\":1}}' --target "
                    "'{\"type\":\"gaussian\",\"mean\":[0,0,0],\"std\":1}'"),
        std::string("nothing")}) {
    const auto r = run("fm-bound", args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
  }
  const auto r = run("fm-bound", "kl --model '{\"target\":{\"type\":\"gaussian\",\"mean\":[0,0],\"std\":1}}' --target "
                                 "'{\"type\":\"gaussian\",\"mean\":[0,0,0],\"std\":1}'");
  EXPECT_NE(r.err.find("dimension"), std::string::npos) << r.err;
}

}  // namespace

namespace {

const std::string kShifted = "dfm --target '{\"type\":\"gaussian\",\"mean\":[2],\"std\":0.5}' --sigma2 1";

TEST(FmBoundDfm, JsonContractAndCheckValue) {
  auto r = run("fm-bound", kShifted + " --steps 8 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = fm::cfg::json::parse(r.out);
  for (const char* k : {"chain", "bracket_orig", "bracket_fu", "D_h", "F_orig", "F_fu", "kl_marg", "kl_method",
                        "kl_path", "kl_path_se"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_NEAR(j["kl_marg"].get<double>(), 7.4238e-3, 5e-7);  // dfm.md §8
  EXPECT_EQ(j["kl_method"], "gaussian");
  EXPECT_LE(j["kl_marg"].get<double>(), j["kl_path"].get<double>());
  EXPECT_LE(j["kl_path"].get<double>(), j["chain"].get<double>());
  EXPECT_FALSE(j.contains("steps_needed"));
  // Step complexity, and the grid method on a mixture in d = 1 with Monte-Carlo KL_path.
  r = run("fm-bound", kShifted + " --steps 8 --constant 1 --target-kl 0.01 --json");
  j = fm::cfg::json::parse(r.out);
  EXPECT_GT(j["steps_needed"].get<long>(), 8);
  EXPECT_GT(j["steps_needed_orig"].get<long>(), j["steps_needed"].get<long>());
  EXPECT_EQ(j["constant_assumed"].get<long>(), 0);  // C was given
  // Without --constant, C = 1 stands in for the theory's unknown constant, and says so.
  r = run("fm-bound", kShifted + " --steps 8 --target-kl 0.01 --json");
  EXPECT_EQ(fm::cfg::json::parse(r.out)["constant_assumed"].get<long>(), 1);
  r = run("fm-bound", kShifted + " --steps 8 --target-kl 0.01");
  EXPECT_NE(r.out.find("C = 1 (assumed: the theory's constant is unknown"), std::string::npos) << r.out;
  r = run("fm-bound",
          "dfm --target '{\"type\":\"gmm\",\"weights\":[0.5,0.5],\"means\":[[-2],[2]],\"stds\":[0.5,0.5]}' --sigma2 1 "
          "--steps 16 --paths 1000 --moment-samples 20000 --perturbation '{\"type\":\"sin_x\"}' --eps2 0.0064 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["kl_method"], "grid");
  EXPECT_EQ(j["kl_path_method"], "monte_carlo");
  EXPECT_NEAR(j["eps2"].get<double>(), 0.0064, 1e-12);
  EXPECT_GT(j["kl_path_se"].get<double>(), 0);
}

TEST(FmBoundDfm, TextOutputMarksTheBracketsAsRecalled) {
  const auto r = run("fm-bound", kShifted + " --steps 8 --grid G3 --delta 0.01");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("structure recalled, not verified; constant unknown"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FU3"), std::string::npos);
  EXPECT_NE(r.out.find("early-stopping bias"), std::string::npos);
}

TEST(FmBoundDfm, BadInputExitsTwo) {
  const std::pair<std::string, std::string> cases[] = {
      {kShifted + " --steps 8 --sigma2 0", "--sigma2"},
      {"dfm --target '{\"type\":\"gaussian\",\"mean\":[2],\"std\":0.5}' --sigma2 -1 --steps 8", "--sigma2"},
      {kShifted + " --steps 8 --grid G2 --delta 0.5", "delta"},
      {kShifted + " --steps 8 --grid G3 --delta 0", "delta"},
      {"dfm --dim 3 --target '{\"type\":\"gaussian\",\"mean\":[0],\"std\":1}' --sigma2 1 --steps 8 --kl-method grid",
       "d <= 2"},
      {"dfm --target '{\"type\":\"gaussian\",\"mean\":[0,0],\"cov\":[[1,1],[1,1]]}' --sigma2 1 --steps 8",
       "positive definite"},
      {"dfm --target '{\"type\":\"point\",\"mean\":[0]}' --sigma2 1 --steps 8", "singular"},
      {kShifted + " --steps 8 --grid G7", "G7"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = run("fm-bound", args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
  }
}

}  // namespace
