// fm-kl-study smoke test: a reduced quick config, checking the claims it makes, not just a file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

TEST(FmKlStudy, ReducedQuickConfigSupportsTheBoundsAndTheIdentity) {
  const std::string out = scratch("kl.h5");
  const auto r = run("fm-kl-study", "--config " + std::string(FMKIT_SOURCE_DIR) +
                                        "/experiments/configs/kl_quick.json --set 'e2a.schedules=[\"a1\"]' "
                                        "--set 'e2a.betas=[0,0.05,0.1]' --set 'e2a.sine_betas=[0.05]' --set "
                                        "g0.n=2000 --set 'g2a.eps=[0.03,0.3]' --set 'e1.schedules=[\"a2\"]' --set 'e1.target_mse=[0.05]' "
                                        "--set 'e2b.schedules=[\"a1\"]' --set e2b.epochs=40 --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto exp = f.read_strings("/summary/experiment"), cs = f.read_strings("/summary/case");
  const auto kl = f.read_doubles("/summary/kl"), se = f.read_doubles("/summary/kl_se");
  const auto csb = f.read_doubles("/summary/cs_bound"), klb = f.read_doubles("/summary/kl_bound");
  const auto pass = f.read_ints("/summary/pass"), violated = f.read_ints("/summary/violated");
  const auto eps = f.read_doubles("/summary/eps");
  int e0 = 0, e2a = 0, g2a = 0;
  for (std::size_t i = 0; i < exp.size(); ++i) {
    if (exp[i] == "E0") {
      ++e0;
      EXPECT_EQ(pass[i], 1) << cs[i];
    }
    if (exp[i] == "E0" && cs[i] == "a1->a2") {
      EXPECT_NEAR(kl[i], 0.521416, 5e-6);
      EXPECT_NEAR(f.read_doubles("/summary/identity_max_abs_err")[i], 3.0e-5, 0.05e-5);
    }
    if (exp[i] == "E2A" || exp[i] == "G2A" || exp[i] == "E2B") {
      if (exp[i] != "E2B") (exp[i] == "E2A" ? e2a : g2a)++;
      // The claim: bound >= KL - 3 s.e. (plus the CNF's 1e-5) for both bounds, in every case.
      EXPECT_GE(csb[i], kl[i] - 3 * se[i] - 1e-5) << cs[i];
      EXPECT_GE(klb[i], kl[i] - 3 * se[i] - 1e-5) << cs[i];
      EXPECT_EQ(violated[i], 0) << cs[i];
    }
    if (exp[i] == "E2A" && cs[i].find("const 0.100") != std::string::npos) {
      EXPECT_NEAR(eps[i], 0.204279, 0.005 * 0.204279);
      EXPECT_NEAR(kl[i], 1.8731e-2, 3 * se[i]);
      // The closed forms the row is judged on: theory/kl_bound.md §4's check values for a1, β = 0.1.
      EXPECT_NEAR(f.read_doubles("/summary/eps_exact")[i], 0.204279, 1e-6);
      EXPECT_NEAR(f.read_doubles("/summary/S_exact")[i], 8.7850e-3, 1e-7);
      EXPECT_NEAR(f.read_doubles("/summary/cs_bound_exact")[i], 1.9147e-2, 1e-6);
      EXPECT_NEAR(f.read_doubles("/summary/kl_exact")[i], 1.8731e-2, 1e-6);
      EXPECT_EQ(f.read_strings("/summary/cs_verdict_exact")[i], "satisfied");
      EXPECT_NEAR(f.read_doubles("/summary/kl_mc_z")[i], (kl[i] - f.read_doubles("/summary/kl_exact")[i]) / se[i], 1e-9);
    }
    if (exp[i] == "E2A" && cs[i].find("sine") != std::string::npos) {
      EXPECT_EQ(f.read_doubles("/summary/kl_exact")[i], 0.0);  // D(1) = 0
      EXPECT_GT(f.read_doubles("/summary/cs_bound_exact")[i], 0.0);
      EXPECT_EQ(f.read_strings("/summary/cs_verdict_exact")[i], "satisfied");
    }
  }
  EXPECT_EQ(e0, 7);
  EXPECT_EQ(e2a, 4);
  EXPECT_EQ(g2a, 8);
  EXPECT_EQ(std::count(exp.begin(), exp.end(), "E1"), 1);
  EXPECT_GE(std::count(exp.begin(), exp.end(), "E2B"), 2);  // the bound at several checkpoints
  EXPECT_TRUE(f.exists("/e0/a1_a2/identity"));
  EXPECT_TRUE(f.exists("/g0/d8/kl"));
  EXPECT_TRUE(f.exists("/E1/a2 mse 0.05/identity"));
}

TEST(FmKlStudy, BadConfigExitsTwo) {
  const auto r = run("fm-kl-study", "--set e2a.betaz=1 --out " + scratch("klbad.h5"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown key 'betaz' in e2a; did you mean 'betas'?"), std::string::npos) << r.err;
}

}  // namespace
