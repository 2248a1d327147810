// fm-bound kl end to end: JSON contract, check values, bad input.
#include <gtest/gtest.h>

#include "fmkit/core/config.hpp"
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

TEST(FmBound, BadInputExitsTwo) {
  for (const std::string& args :
       {std::string("kl --eps -1 --lipschitz 1 --grad-div 0 --fisher-path 1 --fisher-source 2 --source-score-lipschitz 1"),
        std::string("kl --eps nan --lipschitz 1 --grad-div 0 --fisher-path 1 --fisher-source 2 --source-score-lipschitz 1"),
        std::string("kl --eps 0.1"), std::string("kl --model '{\"target\":{\"type\":\"gaussian\",\"mean\":[0,0],\"std\":1}}'"),
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
