// Every config shipped in experiments/configs resolves against its program's schema, so `make
// reproduce` and `make reproduce-paper` cannot fail on a misspelt or mistyped key (the paper
// configs take hours; their schema is checked here in milliseconds).
#include <gtest/gtest.h>

#include <filesystem>

#include "support/run.hpp"

namespace fs = std::filesystem;

TEST(ShippedConfigs, EveryConfigResolvesAgainstItsProgram) {
  const std::vector<std::pair<std::string, std::string>> programs{
      {"kl_", "fm-kl-study"}, {"dfm_", "fm-dfm-study"}, {"sdfm_", "fm-sdfm-study"}, {"tv_", "fm-tv-study"},
      {"exact_flow", "fm-sample"}};
  int checked = 0;
  for (const auto& e : fs::directory_iterator(std::string(FMKIT_SOURCE_DIR) + "/experiments/configs")) {
    const std::string name = e.path().filename().string();
    std::string program;
    for (const auto& [prefix, prog] : programs)
      if (name.rfind(prefix, 0) == 0) program = prog;
    ASSERT_FALSE(program.empty()) << name << ": no program known for this config";
    const auto r = fmtest::run(program, "--config " + e.path().string() + " --dump-config > /dev/null");
    EXPECT_EQ(r.code, 0) << name << ": " << r.err;
    ++checked;
  }
  EXPECT_GE(checked, 9);
}
