// Every numeric value of every shipped config set to 0, −1, 1e12 and 1e19, one at a time: each
// program must refuse it (exit 2, one line naming the key) or accept it (exit 0), never crash, and
// leave no file. Programs validate the whole config before any work and --dump-config runs that
// validation, so the test runs --dump-config (a full run per mutation would take days). Lists of
// numbers are mutated at their first position only below the first list level (a mixture's means:
// one entry per dataset or block, not all 16 × 8 coordinates).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::write_file;

namespace fs = std::filesystem;

namespace {

// JSON pointers to the numeric leaves worth mutating: the first list index is kept (which dataset,
// block or coupling), deeper indices collapse to their first occurrence.
void numeric_leaves(const fm::cfg::json& j, const std::string& pointer, const std::string& pattern, bool in_list,
                    std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      numeric_leaves(it.value(), pointer + "/" + it.key(), pattern + "/" + it.key(), in_list, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      numeric_leaves(j[i], pointer + "/" + std::to_string(i), pattern + "/" + (in_list ? "*" : std::to_string(i)),
                     true, out);
  } else if (j.is_number()) {
    out.emplace(pattern, pointer);
  }
}

struct Shipped {
  const char* file;
  const char* program;
};

void PrintTo(const Shipped& s, std::ostream* os) { *os << s.file; }  // ctest's test names

class ConfigFuzz : public ::testing::TestWithParam<Shipped> {};

TEST_P(ConfigFuzz, EveryNumericValueIsRefusedOrAcceptedNeverACrash) {
  const Shipped s = GetParam();
  const fm::cfg::json base = fm::cfg::load_file(std::string(FMKIT_SOURCE_DIR) + "/experiments/configs/" + s.file);
  std::map<std::string, std::string> leaves;
  numeric_leaves(base, "", "", false, leaves);
  ASSERT_GT(leaves.size(), 5u);
  const std::string cfg = scratch(std::string("fuzz_") + s.file), out = scratch(std::string("fuzz_") + s.file + ".h5");
  int refused = 0, accepted = 0;
  for (const auto& [pattern, pointer] : leaves) {
    for (const char* value : {"0", "-1", "1e12", "1e19"}) {
      fm::cfg::json c = base;
      c[fm::cfg::json::json_pointer(pointer)] = fm::cfg::json::parse(value);
      write_file(cfg, c.dump());
      const auto r = run(s.program, "--config " + cfg + " --dump-config --out " + out);
      const std::string what = std::string(s.file) + " " + pointer + " = " + value;
      ASSERT_TRUE(r.code == 0 || r.code == 2) << what << ": exit " << r.code << "\n" << r.err;
      if (r.code == 2) {
        ++refused;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
      } else {
        ++accepted;
      }
      EXPECT_FALSE(fs::exists(out) || fs::exists(out + ".tmp")) << what;
    }
  }
  EXPECT_GT(refused, 0) << s.file;  // validation ran: some sizes and counts were refused
  std::cerr << s.file << ": " << leaves.size() << " numeric keys, " << refused << " mutations refused, " << accepted
            << " accepted\n";
}

INSTANTIATE_TEST_SUITE_P(Shipped, ConfigFuzz,
                         ::testing::Values(Shipped{"kl_quick.json", "fm-kl-study"}, Shipped{"kl_paper.json", "fm-kl-study"},
                                           Shipped{"tv_quick.json", "fm-tv-study"}, Shipped{"tv_paper.json", "fm-tv-study"},
                                           Shipped{"dfm_quick.json", "fm-dfm-study"},
                                           Shipped{"dfm_paper.json", "fm-dfm-study"},
                                           Shipped{"sdfm_quick.json", "fm-sdfm-study"},
                                           Shipped{"sdfm_paper.json", "fm-sdfm-study"},
                                           Shipped{"exact_flow.json", "fm-sample"}),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           n = n.substr(0, n.find('.'));
                           return n;
                         });

}  // namespace
