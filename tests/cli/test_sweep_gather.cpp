// A study split into sweep runs by name (`only`, `oracle.only`) and seed, then gathered with
// `fm-sweep gather`, gives exactly the rows of the single full run at the same thread count:
// what makes `make reproduce-paper` resumable and the paper configs runnable as cluster arrays.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <variant>

#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;
using fmtest::write_file;

namespace {

using Value = fm::io::Table::Value;

bool same(const Value& a, const Value& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    return (std::isnan(*x) && std::isnan(y)) || *x == y;  // bit-identical, NaN where NaN
  }
  return a == b;
}

// Every row of `full` appears in `gathered` with the same values in every column of `full`;
// rows are matched by the values of `key` columns (row order differs: the sweep's is run order).
void expect_same_rows(const std::string& full_path, const std::string& gathered_path, const std::string& group,
                      const std::vector<std::string>& key) {
  const auto full = fm::io::Table::read(fm::io::H5File::open(full_path), group);
  const auto gath = fm::io::Table::read(fm::io::H5File::open(gathered_path), group);
  ASSERT_GT(full.rows(), 0u) << group;
  ASSERT_EQ(full.rows(), gath.rows()) << group;
  auto key_of = [&](const fm::io::Table& t, std::size_t r) {
    std::string k;
    for (const auto& c : key) std::visit([&](const auto& v) { k += fm::cfg::json(v).dump() + "|"; }, t.get(r, c));
    return k;
  };
  std::map<std::string, std::size_t> where;
  for (std::size_t r = 0; r < gath.rows(); ++r) where[key_of(gath, r)] = r;
  ASSERT_EQ(where.size(), gath.rows()) << group << ": the key columns do not identify the rows";
  for (std::size_t r = 0; r < full.rows(); ++r) {
    const auto it = where.find(key_of(full, r));
    ASSERT_NE(it, where.end()) << group << ": row " << key_of(full, r) << " missing";
    for (const auto& c : full.columns()) {
      const bool timing = c.find("wall") != std::string::npos || c.find("_s_per_") != std::string::npos ||
                          (c.size() > 2 && c.substr(c.size() - 2) == "_s");
      if (timing) continue;  // seconds differ from run to run
      EXPECT_TRUE(same(full.get(r, c), gath.get(it->second, c))) << group << " " << key_of(full, r) << " column " << c;
    }
  }
}

}  // namespace

TEST(SweepGather, SplitSdfmStudyGathersToTheFullRun) {
  const std::string cfg = scratch("gather_sdfm.json"), full = scratch("gather_sdfm_full.h5");
  write_file(cfg, R"({"seed": 4, "seeds": [0, 1],
    "train": {"steps": 60, "batch": 64, "hidden": [16], "lr": 0.003, "ema": 0.9},
    "eval": {"n": 120, "w2_n": 100, "euler": [1, 4], "heun": [], "dopri5": false, "straightness_n": 40},
    "datasets": [{"name": "8gauss", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 200, "n_test": 100},
                 {"name": "moons", "target": {"type": "toy2d", "name": "moons"}, "n_train": 200, "n_test": 100}],
    "couplings": [{"label": "I-FM", "spec": {"type": "independent"}},
                  {"label": "OT", "spec": {"type": "exact_ot", "ot_batch": 32}}],
    "oracle": {"n": 200, "w2_n": 100, "euler": [1], "straightness_n": 40, "fine_steps": 32, "loss_n": 500,
      "datasets": [{"name": "GD a", "target": {"type": "atoms", "m": 20, "dim": 2, "seed": 1}},
                   {"name": "GD b", "target": {"type": "atoms", "m": 10, "dim": 3, "seed": 2}}],
      "couplings": [{"label": "I-FM", "spec": {"type": "independent"}},
                    {"label": "SD0", "spec": {"type": "semidiscrete", "eps_rel": 0, "target_chi2": 0.05}}]}})");
  auto r = run("fm-sdfm-study", "--config " + cfg + " --threads 1 --out " + full);
  ASSERT_EQ(r.code, 0) << r.err;

  // The oracle as its own run (each oracle dataset separately), then one run per dataset and seed,
  // and moons seed 0 once more split by coupling (`only_couplings`).
  const std::string sw = scratch("gather_sdfm_sweep.json"), dir = scratch("gather_sdfm_dir");
  write_file(sw, R"({"program": "fm-sdfm-study", "base": "gather_sdfm.json", "axes": [{"runs": [
    {"only": [], "seeds": [0], "oracle.only": ["GD b"], "only_couplings": null},
    {"only": [], "seeds": [0], "oracle.only": ["GD a"], "only_couplings": null},
    {"only": ["8gauss"], "seeds": [0], "oracle.only": [], "only_couplings": null},
    {"only": ["8gauss"], "seeds": [1], "oracle.only": [], "only_couplings": null},
    {"only": ["moons"], "seeds": [0], "oracle.only": [], "only_couplings": ["OT"]},
    {"only": ["moons"], "seeds": [0], "oracle.only": [], "only_couplings": ["I-FM"]},
    {"only": ["moons"], "seeds": [1], "oracle.only": [], "only_couplings": null}]}]})");
  r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string gathered = scratch("gather_sdfm.h5");
  r = run("fm-sweep", "gather " + dir + " --out " + gathered);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("gathered 7 runs"), std::string::npos) << r.err;
  expect_same_rows(full, gathered, "/summary", {"dataset", "coupling", "seed", "solver", "nfe"});
  expect_same_rows(full, gathered, "/oracle", {"dataset", "coupling", "nfe"});
  const auto g = fm::io::H5File::open(gathered);
  EXPECT_EQ(g.attr_string("/", "status"), "complete");
  EXPECT_EQ(g.attr_string("/", "program"), "fm-sdfm-study");
  const auto conf = fm::cfg::json::parse(g.read_string("/config"));
  EXPECT_EQ(conf["runs"].size(), 7u);
  EXPECT_FALSE(conf["shared"].contains("only"));  // swept keys live in runs[i].overrides
  EXPECT_EQ(conf["shared"]["train"]["steps"], 60);
  EXPECT_EQ(g.read_strings("/summary/run_id").size(), g.read_strings("/summary/dataset").size());

  // A run that is not complete: gather refuses (exit 1) and writes nothing.
  std::string first;
  std::getline(std::istringstream(fmtest::slurp(dir + "/runs.txt")) >> std::ws, first);
  std::filesystem::remove(dir + "/runs/" + first + "/out.h5");
  const std::string partial = scratch("gather_partial.h5");
  r = run("fm-sweep", "gather " + dir + " --out " + partial);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("1 of 7 runs are not complete"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(partial));

  // --partial gathers the six complete runs and records the missing one; the rows it has are the
  // full run's rows less those of the missing run (the oracle's GD b).
  r = run("fm-sweep", "gather " + dir + " --partial --out " + partial);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("gathered 6 runs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("partial: 1 of 7 runs are not complete"), std::string::npos) << r.err;
  const auto p = fm::io::H5File::open(partial);
  EXPECT_EQ(p.attr_double("/", "runs_missing"), 1.0);
  EXPECT_EQ(p.attr_double("/", "runs"), 6.0);
  EXPECT_EQ(fm::cfg::json::parse(p.read_string("/config"))["missing_runs"], fm::cfg::json::array({first}));
  expect_same_rows(full, partial, "/summary", {"dataset", "coupling", "seed", "solver", "nfe"});
  const auto oracle = p.read_strings("/oracle/dataset");
  EXPECT_GT(oracle.size(), 0u);
  EXPECT_EQ(std::count(oracle.begin(), oracle.end(), "GD b"), 0);
  EXPECT_EQ(oracle.size() * 2, fm::io::H5File::open(full).read_strings("/oracle/dataset").size());
  EXPECT_EQ(g.attr_double("/", "runs_missing"), 0.0);

  // With no run complete there is nothing to look at: exit 1, nothing written.
  for (const auto& e : std::filesystem::directory_iterator(dir + "/runs"))
    std::filesystem::remove(e.path() / "out.h5");
  const std::string none = scratch("gather_none.h5");
  r = run("fm-sweep", "gather " + dir + " --partial --out " + none);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("no run is complete yet (7 of 7 are not), nothing to gather"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(none));
}

TEST(SweepGather, SplitTvStudyGathersToTheFullRun) {
  const std::string cfg = scratch("gather_tv.json"), full = scratch("gather_tv_full.h5");
  write_file(cfg, R"({"seed": 2, "reps": 2, "floor_reps": 1, "fit_n_min": 64, "n": [64, 128, 256],
    "train": {"hidden": [16], "steps": 80, "batch": 64, "lr": 0.003, "ema": 0.9, "eval_every": 40,
              "patience": 2, "holdout": 0.1, "val_size": 128},
    "eval": {"m": 300, "grid": 8, "n_eps": 64, "n_score": 16, "seed": 3},
    "kde": {"cv_points": 128, "h_lo": 0.001, "h_hi": 2.0}, "bootstrap": {"resamples": 50, "level": 0.9},
    "targets": [{"name": "g1", "target": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "stds": [0.5, 0.5]}},
                {"name": "h1", "target": {"type": "holder", "beta": 1.0}}]})");
  auto r = run("fm-tv-study", "--config " + cfg + " --threads 1 --out " + full);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string sw = scratch("gather_tv_sweep.json"), dir = scratch("gather_tv_dir");
  write_file(sw, R"({"program": "fm-tv-study", "base": "gather_tv.json",
                     "axes": [{"key": "only", "values": [["h1"], ["g1"]]}]})");
  r = run("fm-sweep", "run " + sw + " --out " + dir + " --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string gathered = scratch("gather_tv.h5");
  r = run("fm-sweep", "gather " + dir + " --out " + gathered);
  ASSERT_EQ(r.code, 0) << r.err;
  expect_same_rows(full, gathered, "/summary", {"target", "n", "rep"});
  expect_same_rows(full, gathered, "/fits", {"target", "quantity"});
}

TEST(SweepGather, BadSelectionsAndNonTableOutputsAreUsageErrors) {
  const std::string cfg = scratch("gather_bad.json"), out = scratch("gather_bad.h5");
  const std::string body = R"("datasets": [{"name": "moons", "target": {"type": "toy2d", "name": "moons"}, "n_train": 50,
      "n_test": 50}], "couplings": [{"label": "I", "spec": {"type": "independent"}}])";
  const std::pair<const char*, const char*> cases[] = {
      {R"("only": ["moon"], )", "config.only[0]: 'moon' is not a name in config.datasets; did you mean 'moons'?"},
      {R"("only": "moons", )", "config.only: expected null"},
      {R"("only": ["moons", "moons"], )", "config.only[1]: 'moons' is listed twice"},
      {R"("oracle": {"only": ["x"]}, )", "config.oracle.only[0]: 'x' is not a name in config.oracle.datasets"},
      {R"("only_couplings": ["J"], )", "config.only_couplings[0]: 'J' is not a label in config.couplings"},
      {R"("only_couplings": "I", )", "config.only_couplings: expected null"},
  };
  for (const auto& [only, message] : cases) {
    std::string text = std::string("{") + only + body + "}";
    if (std::string(only).find("oracle") != std::string::npos)
      text = R"({"oracle": {"only": ["x"], "datasets": [{"name": "a", "target": {"type": "atoms", "m": 5, "dim": 2}}],
                 "couplings": [{"label": "I", "spec": {"type": "independent"}}]}, )" + body + "}";
    write_file(cfg, text);
    const auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
    EXPECT_EQ(r.code, 2) << text << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  // A coupling selection that leaves a selected dataset nothing to run is a mis-split sweep.
  write_file(cfg, R"({"only_couplings": ["J"], "couplings": [{"label": "I", "spec": {"type": "independent"}},
                      {"label": "J", "spec": {"type": "exact_ot"}}], "datasets": [{"name": "moons",
                      "target": {"type": "toy2d", "name": "moons"}, "n_train": 50, "n_test": 50, "couplings": ["I"]}]})");
  auto r0 = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r0.code, 2) << r0.err;
  EXPECT_NE(r0.err.find("config.only_couplings: selects none of the couplings dataset 'moons' runs"), std::string::npos)
      << r0.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  write_file(cfg, R"({"couplings": [{"label": "I", "spec": {"type": "independent"}},
                      {"label": "I", "spec": {"type": "exact_ot"}}], "datasets": [{"name": "moons",
                      "target": {"type": "toy2d", "name": "moons"}, "n_train": 50, "n_test": 50}]})");
  r0 = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r0.code, 2) << r0.err;
  EXPECT_NE(r0.err.find("config.couplings[1].label: 'I' is also the label of config.couplings[0]"), std::string::npos)
      << r0.err;
  write_file(cfg, R"({"targets": [{"name": "h", "target": {"type": "holder", "beta": 1}},
                                  {"name": "h", "target": {"type": "holder", "beta": 0.5}}]})");
  auto r = run("fm-tv-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("config.targets[1].name: 'h' is also the name of config.targets[0]"), std::string::npos) << r.err;

  // fm-sample writes the samples as a matrix, not a table: gather says so instead of mangling it.
  const std::string sw = scratch("gather_sample_sweep.json"), dir = scratch("gather_sample_dir");
  write_file(sw, R"({"program": "fm-sample",
                     "base": {"model": {"field": "exact", "target": {"type": "gaussian", "mean": [0], "std": 1}},
                              "sample": {"n": 50}},
                     "axes": [{"key": "seed", "values": [1, 2]}]})");
  r = run("fm-sweep", "run " + sw + " --out " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("fm-sweep", "gather " + dir + " --out " + out);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("'/samples' is not a table of 1-D columns"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}
