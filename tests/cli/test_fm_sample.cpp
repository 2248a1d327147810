// fm-sample end to end: round trips, JSON summary, reproducibility, and every bad input of the
// foundation issue exiting 2 with one line and no output file.
#include <gtest/gtest.h>

#include <filesystem>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/points.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::write_file;
namespace fs = std::filesystem;

namespace {

const char* kGmm = R"({"field":"exact","target":{"type":"gmm","weights":[0.4,0.3,0.2,0.1],
  "means":[[3,0],[-3,0],[0,3],[0,-3]],"stds":[0.3,0.5,0.7,1.0]}})";

std::string model_file() {
  const std::string p = scratch("gmm.json");
  write_file(p, kGmm);
  return p;
}

TEST(FmSample, SamplesAndCnfLogprobMatchExactDensity) {
  const std::string out = scratch("s.h5");
  const auto r = run("fm-sample", "--model " + model_file() + " --n 500 --logprob samples --score --trajectories 4 "
                                  "--json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["n"], 500);
  EXPECT_GT(j["nfe"].get<long>(), 6);
  EXPECT_LT(j["max_abs_log_q_minus_log_p"].get<double>(), 1e-4);
  EXPECT_NEAR(j["mean_log_q"].get<double>(), j["mean_log_p_exact"].get<double>(), 1e-5);
  const auto f = fm::io::H5File::open(out);
  EXPECT_EQ(f.dims("/samples"), (std::vector<hsize_t>{500, 2}));
  EXPECT_EQ(f.dims("/trajectories/x"), (std::vector<hsize_t>{5, 500, 2}));
  EXPECT_EQ(f.dims("/logprob/score"), (std::vector<hsize_t>{500, 2}));
  EXPECT_EQ(f.attr_string("/", "status"), "complete");
  EXPECT_EQ(fm::cfg::json::parse(f.read_string("/config"))["sample"]["n"], 500);
}

TEST(FmSample, SameSeedSameThreadsIsBitIdenticalAndThreadCountDoesNotMatter) {
  const std::string m = model_file();
  ASSERT_EQ(run("fm-sample", "--model " + m + " --n 3000 --seed 5 --threads 1 --out " + scratch("a.h5")).code, 0);
  ASSERT_EQ(run("fm-sample", "--model " + m + " --n 3000 --seed 5 --threads 2 --out " + scratch("b.h5")).code, 0);
  ASSERT_EQ(run("fm-sample", "--model " + m + " --n 3000 --seed 6 --threads 2 --out " + scratch("c.h5")).code, 0);
  const auto a = fm::io::H5File::open(scratch("a.h5")).read_matrix("/samples");
  EXPECT_EQ(a, fm::io::H5File::open(scratch("b.h5")).read_matrix("/samples"));
  EXPECT_NE(a, fm::io::H5File::open(scratch("c.h5")).read_matrix("/samples"));
}

TEST(FmSample, LogprobAtPointsFileAndEulerMaruyamaForBridge) {
  fm::Mat pts(3, 2);
  pts << 3, 0, -3, 0.2, 0.1, 2.9;
  fm::io::write_npy(scratch("pts.npy"), pts);
  auto r = run("fm-sample", "--model " + model_file() + " --n 0 --logprob " + scratch("pts.npy") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["logprob_n"], 3);
  write_file(scratch("bridge.json"), R"({"target":{"type":"gaussian","mean":[2],"std":0.5},
                                        "interpolant":{"type":"bridge","sigma2":1}})");
  r = run("fm-sample", "--model " + scratch("bridge.json") + " --solver em --nfe 64 --n 20000 --json --out " +
                           scratch("em.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto x = fm::io::H5File::open(scratch("em.h5")).read_matrix("/samples");
  EXPECT_NEAR(x.mean(), 2.0, 0.02);
}

TEST(FmSample, DumpConfigShowsResolvedValues) {
  const auto r = run("fm-sample", "--model " + model_file() + " --set sample.nfe=17 --dump-config");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["sample"]["nfe"], 17);
  EXPECT_EQ(j["sample"]["solver"], "dopri5");
}

struct BadCase {
  std::string name, model, extra, expect;
};

// Without this, GoogleTest prints each case's parameter as a hex dump of the struct in ctest's log.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class FmSampleBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(FmSampleBadInput, ExitsTwoWithOneLineAndNoFile) {
  const BadCase c = GetParam();
  const std::string spec = scratch(c.name + ".json"), out = scratch(c.name + ".h5");
  write_file(spec, c.model);
  const auto r = run("fm-sample", "--model " + spec + " --n 10 " + c.extra + " --out " + out);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

const std::string kGauss = R"({"target":{"type":"gaussian","mean":[1,1],"std":1}})";

INSTANTIATE_TEST_SUITE_P(
    Cases, FmSampleBadInput,
    ::testing::Values(
        BadCase{"unknown_key", R"({"target":{"type":"gaussian","mean":[1,1],"std":1},"perturbaton":{}})", "",
                "unknown key 'perturbaton' in model; did you mean 'perturbation'?"},
        BadCase{"dim_mismatch",
                R"({"source":{"type":"gaussian","mean":[0,0,0],"std":1},"target":{"type":"gaussian","mean":[1,1],"std":1}})",
                "", "source has dimension 3 but target has dimension 2"},
        BadCase{"not_pd", R"({"target":{"type":"gaussian","mean":[0,0],"cov":[[1,2],[2,1]]}})", "",
                "model.target.cov: covariance is not positive definite"},
        BadCase{"weights", R"({"target":{"type":"gmm","weights":[0.5,0.2],"means":[[0],[1]],"stds":[1,1]}})", "",
                "model.target.weights: weights sum to 0.700000, expected 1"},
        BadCase{"missing_points", kGauss, "--logprob /no/such/points.npy", "cannot open"},
        BadCase{"malformed_points", kGauss, "--logprob " + scratch("malformed.csv"), "is not a row of numbers"},
        BadCase{"nan_points", kGauss, "--logprob " + scratch("nan.csv"), "non-finite value at row 1"},
        BadCase{"points_dim", kGauss, "--logprob " + scratch("three.csv"), "points have dimension 3"},
        BadCase{"bad_solver", kGauss, "--solver rk5", "unknown solver 'rk5'"},
        BadCase{"em_needs_bridge", kGauss, "--solver em", "em needs a drift model"},
        BadCase{"bad_override", kGauss, "--set sample.nfe", "expected key.path=value"},
        BadCase{"bad_json", "{\"target\": ", "", "invalid JSON"},
        BadCase{"bad_flag", kGauss, "--nfee 3", "nfee"}),
    [](const ::testing::TestParamInfo<BadCase>& i) { return i.param.name; });

// The point files the cases above read.
class Environment : public ::testing::Environment {
  void SetUp() override {
    write_file(scratch("malformed.csv"), "1,2\nfoo,bar\n");
    write_file(scratch("nan.csv"), "1,2\nnan,2\n");
    write_file(scratch("three.csv"), "1,2,3\n");
  }
};
const auto* env = ::testing::AddGlobalTestEnvironment(new Environment);

TEST(FmSample, StepLimitIsARuntimeErrorWithNoFile) {
  const std::string out = scratch("limit.h5");
  const auto r = run("fm-sample", "--model " + model_file() + " --n 10 --set sample.max_steps=2 --out " + out);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("max_iterations"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// Flags the chosen mode would ignore are usage errors naming the flag (they were dropped silently).
TEST(FmSample, FlagsTheModeIgnoresAreRefused) {
  const std::string m = "--model " + model_file() + " ";
  for (const auto& [args, flag] : std::vector<std::pair<std::string, std::string>>{
           {"--nfe 10", "--nfe"},                          // dopri5 is adaptive
           {"--solver euler --nfe 8 --rtol 1e-3", "--rtol"},  // only dopri5 has a tolerance
           {"--solver rk4 --nfe 8 --atol 1e-3", "--atol"},
           {"--grid G2 --n 10", "--grid"},                 // only em has a time grid
           {"--solver euler --nfe 8 --delta 0.1", "--delta"},
           {"--score --n 10", "--score"},                  // no --logprob points
           {"--n 0", "--n 0"}}) {                          // nothing to do
    const auto r = run("fm-sample", m + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find(flag), std::string::npos) << args << ": " << r.err;
  }
  EXPECT_EQ(run("fm-sample", m + "--solver euler --nfe 8 --n 10").code, 0);
  EXPECT_EQ(run("fm-sample", m + "--rtol 1e-5 --n 10").code, 0);
}

TEST(FmSample, HelpExitsZero) { EXPECT_EQ(run("fm-sample", "--help").code, 0); }

}  // namespace

// An analytic model given inline, as the docs say it may be: the same samples as the same spec
// read from a file.
TEST(FmSample, InlineModelSpecEqualsTheSpecFile) {
  const std::string spec = R"({"field": "exact", "target": {"type": "gaussian", "mean": [1, -1], "std": 0.5}})";
  fmtest::write_file(fmtest::scratch("inline_spec.json"), spec);
  const auto a = fmtest::run("fm-sample", "--model '" + spec + "' --n 50 --json");
  const auto b = fmtest::run("fm-sample", "--model " + fmtest::scratch("inline_spec.json") + " --n 50 --json");
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  auto ja = fm::cfg::json::parse(a.out), jb = fm::cfg::json::parse(b.out);
  ja.erase("wall_time_s");
  jb.erase("wall_time_s");
  EXPECT_EQ(ja, jb);
  const auto bad = fmtest::run("fm-sample", "--model '{\"field\": ' --n 5");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--model: invalid JSON"), std::string::npos) << bad.err;
}
