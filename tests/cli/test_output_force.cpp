// No output is lost (issue 25): every program refuses an --out that exists unless --force is given,
// before any work; --force replaces it; one of the run's inputs is never replaced, even with
// --force; fm-train --resume continues its own file without it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

std::string first_line(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  return s;
}

TEST(OutputForce, EveryProgramRefusesAnExistingOutUnlessForced) {
  const std::string model = scratch("model.h5"), x = scratch("x.csv"), out = scratch("existing.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=30 --set train.ema=0 --threads 1 --out " + model).code, 0);
  {
    std::ofstream f(x);
    for (int i = 0; i < 12; ++i) f << i * 0.3 << "," << (i % 5) * 0.7 << "\n";
  }
  const std::string bound =
      "kl --eps 0.2 --lipschitz 1.1 --grad-div 0 --fisher-path 1.2 --fisher-source 2 --source-score-lipschitz 1";
  // Each is refused, then run with --force (studies only refused: a forced default study runs for minutes).
  const std::vector<std::pair<std::string, std::string>> forced = {
      {"fm-train", "--set train.steps=20 --set train.ema=0 --threads 1"},
      {"fm-sample", "--model " + model + " --n 10"},
      {"fm-ot", "exact --x " + x + " --y " + x},
      {"fm-bound", bound},
  };
  const std::vector<std::pair<std::string, std::string>> refused_only = {
      {"fm-sdfm-study", ""}, {"fm-tv-study", ""}, {"fm-dfm-study", ""}, {"fm-kl-study", ""},
      {"fm-sweep", "gather " + scratch("no_such_sweep")},
  };
  auto refused = [&](const std::string& prog, const std::string& args) {
    std::ofstream(out) << "an earlier result";
    const auto r = run(prog, args + " --out " + out);
    EXPECT_EQ(r.code, 2) << prog << "\n" << r.err;
    EXPECT_NE(r.err.find("exists; pass --force"), std::string::npos) << prog << "\n" << r.err;
    EXPECT_EQ(first_line(out), "an earlier result") << prog;
  };
  for (const auto& [prog, args] : forced) {
    refused(prog, args);
    const auto r = run(prog, args + " --out " + out + " --force");
    EXPECT_EQ(r.code, 0) << prog << "\n" << r.err;
    EXPECT_NO_THROW(fm::io::H5File::open(out)) << prog;  // replaced by the program's file
  }
  for (const auto& [prog, args] : refused_only) refused(prog, args);
  // An input stays protected with --force: sampling over the model it reads is refused.
  const auto r = run("fm-sample", "--model " + model + " --n 10 --out " + model + " --force");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is the input"), std::string::npos) << r.err;
  EXPECT_TRUE(fm::io::H5File::open(model).exists("/config"));
  // --resume continues the file in place: no --force needed.
  const auto resumed = run("fm-train", "--set train.steps=40 --threads 1 --resume --out " + model);
  EXPECT_EQ(resumed.code, 0) << resumed.err;
}

}  // namespace
