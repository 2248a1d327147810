// fm-sdfm-study end to end on a tiny config: every coupling × solver row is present, the flows of
// the coupled trainings are straighter than independent FM's, the SD potential is fitted, bad input
// exits 2. (Pairing costs are timings: measured in experiments/perf, never asserted.)
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

const char* kConfig = R"({"seed": 3, "seeds": [0],
  "train": {"steps": 600, "batch": 128, "hidden": [32, 32], "lr": 0.002, "ema": 0.99},
  "eval": {"n": 400, "w2_n": 300, "euler": [1, 8], "heun": [4], "dopri5": true, "straightness_n": 200},
  "datasets": [{"name": "8gauss", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 400, "n_test": 400}],
  "couplings": [{"label": "I-FM", "spec": {"type": "independent"}},
                {"label": "OT", "spec": {"type": "exact_ot", "ot_batch": 64}},
                {"label": "SD", "spec": {"type": "semidiscrete", "target_chi2": 0.1, "steps": 4000}}]})";

TEST(FmSdfmStudy, TinyConfigRanksStraightness) {
  const std::string cfg = scratch("sdfm.json"), out = scratch("sdfm.h5");
  std::ofstream(cfg) << kConfig;
  ::setenv("FMKIT_PROGRESS", "0.001", 1);  // log lines at every update and every stage's end
  // Two threads: the trainings run side by side (one unit per coupling), each on one thread.
  const auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out + " --threads 2");
  // One thread: one training after another, each with its nested bar.
  const std::string out1 = scratch("sdfm_1.h5");
  const auto r1 = run("fm-sdfm-study", "--config " + cfg + " --out " + out1 + " --threads 1");
  ::unsetenv("FMKIT_PROGRESS");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r1.code, 0) << r1.err;
  const auto f = fm::io::H5File::open(out);
  // The same numbers either way: each unit computes what it would alone, and rows keep their order.
  const auto f1 = fm::io::H5File::open(out1);
  for (const char* col : {"/summary/w2", "/summary/curv_ott", "/summary/sd_chi2", "/summary/mmd2"}) {
    const auto a = f.read_doubles(col), b = f1.read_doubles(col);
    ASSERT_EQ(a.size(), b.size()) << col;
    for (std::size_t i = 0; i < a.size(); ++i)  // NaN (no χ² for a non-SD row) on both sides counts as equal
      EXPECT_TRUE(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) << col << " row " << i;
  }
  EXPECT_EQ(f.read_strings("/summary/coupling"), f1.read_strings("/summary/coupling"));
  EXPECT_TRUE(f.read_matrix("/train_loss/d0_c2_s0") == f1.read_matrix("/train_loss/d0_c2_s0"));
  EXPECT_TRUE(f.read_matrix("/samples/d0_c1") == f1.read_matrix("/samples/d0_c1"));
  const auto coupling = f.read_strings("/summary/coupling"), solver = f.read_strings("/summary/solver");
  const auto curv = f.read_doubles("/summary/curv_ott"), w2 = f.read_doubles("/summary/w2"),
             chi2 = f.read_doubles("/summary/sd_chi2");
  ASSERT_EQ(coupling.size(), 3u * 4u);  // 3 couplings × (Euler 1, Euler 8, Heun 4, Dopri5)
  double c_ifm = 0, c_ot = 0, c_sd = 0;
  for (std::size_t i = 0; i < coupling.size(); ++i) {
    EXPECT_GT(w2[i], 0);
    if (solver[i] != "dopri5") continue;
    (coupling[i] == "I-FM" ? c_ifm : coupling[i] == "OT" ? c_ot : c_sd) = curv[i];
    if (coupling[i] == "SD") {
      EXPECT_LT(chi2[i], 0.2);  // the potential behind the SD pairs was fitted
    }
  }
  EXPECT_LT(c_ot, 0.5 * c_ifm);
  EXPECT_LT(c_sd, 0.5 * c_ifm);
  // The log (stderr is a file here) says when the study starts and ends. On one thread each
  // training's end names the dataset, coupling and seed it belongs to; side by side the trainings
  // show no bars of their own (they cannot nest on one line) and the study's bar counts them.
  for (const auto* e : {&r.err, &r1.err}) {
    EXPECT_EQ(e->find("SD-FM study: started (3 to do)\n"), 0u) << *e;
    EXPECT_NE(e->find("SD-FM study: finished after "), std::string::npos) << *e;
    EXPECT_EQ(e->find("HDF5"), std::string::npos) << *e;  // no library error stack from a unit's thread
  }
  EXPECT_NE(r1.err.find("SD-FM study 1/3 8gauss OT seed 0 > train: finished after "), std::string::npos) << r1.err;
  EXPECT_EQ(r.err.find("> train"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SD-FM study: 3/3 (100%)"), std::string::npos) << r.err;
}

TEST(FmSdfmStudy, BadConfigExitsTwo) {
  const std::string cfg = scratch("sdfm_bad.json"), out = scratch("sdfm_bad.h5");
  std::ofstream(cfg) << R"({"datasets": [{"name": "x", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 100,
      "n_test": 100}], "couplings": [{"label": "bad", "spec": {"type": "sinkhorn", "eps_rel": -1}}]})";
  const auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("eps_rel"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// The oracle block (sdfm.md §7): ε = 0 flows land every sample on an atom at any NFE, are exactly
// straight with zero irreducible loss, and their landing χ² is the potential's; I-FM curves, has
// L* > 0, and its one-step samples all sit at the mean, on no atom.
TEST(FmSdfmStudy, OracleStudyOfDiscreteTargets) {
  const std::string cfg = scratch("sdfm_oracle.json"), out = scratch("sdfm_oracle.h5");
  std::ofstream(cfg) << R"({"seed": 1, "seeds": [0], "train": {"steps": 20, "batch": 64, "hidden": [16]},
    "eval": {"n": 100, "w2_n": 100, "euler": [1], "heun": [], "dopri5": false, "straightness_n": 50},
    "datasets": [{"name": "8gauss", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 100, "n_test": 100}],
    "couplings": [{"label": "I-FM", "spec": {"type": "independent"}}],
    "oracle": {"n": 800, "w2_n": 400, "euler": [1, 16], "straightness_n": 200, "fine_steps": 64, "loss_n": 4000,
      "datasets": [{"name": "GD", "target": {"type": "atoms", "m": 30, "dim": 2, "weights": "dirichlet", "seed": 5}}],
      "couplings": [{"label": "I-FM", "spec": {"type": "independent"}},
                    {"label": "SD0", "spec": {"type": "semidiscrete", "eps_rel": 0, "target_chi2": 0.02}},
                    {"label": "SD0.1", "spec": {"type": "semidiscrete", "eps_rel": 0.1, "target_chi2": 0.02}}]}})";
  const auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto coupling = f.read_strings("/oracle/coupling");
  const auto nfe = f.read_ints("/oracle/nfe");
  const auto on_atom = f.read_doubles("/oracle/frac_on_atom"), land = f.read_doubles("/oracle/landing_chi2"),
             pot = f.read_doubles("/oracle/potential_chi2"), pot_se = f.read_doubles("/oracle/potential_chi2_se"),
             s_liu = f.read_doubles("/oracle/s_liu"), curv = f.read_doubles("/oracle/curv_ott"),
             loss = f.read_doubles("/oracle/loss_star");
  ASSERT_EQ(coupling.size(), 3u * 2u);
  for (std::size_t i = 0; i < coupling.size(); ++i) {
    if (coupling[i] == "SD0") {
      EXPECT_EQ(on_atom[i], 1.0);
      EXPECT_LT(s_liu[i], 1e-12);
      EXPECT_LT(loss[i], 1e-20);
      EXPECT_NEAR(land[i], pot[i], 4 * std::sqrt(2.0 * 29) / 800 + 3 * pot_se[i]);
    } else if (coupling[i] == "I-FM") {
      if (nfe[i] == 1) {
        EXPECT_EQ(on_atom[i], 0.0);
      }
      EXPECT_GT(loss[i], 0.1);
      EXPECT_GT(curv[i], 0.01);
    } else {
      EXPECT_GT(loss[i], 0.0);  // ε > 0: the posterior is not one-hot
    }
  }
}

TEST(FmSdfmStudy, BadOracleConfigExitsTwoBeforeTraining) {
  const std::string cfg = scratch("sdfm_oracle_bad.json"), out = scratch("sdfm_oracle_bad.h5");
  std::ofstream(cfg) << R"({"datasets": [{"name": "x", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 100,
      "n_test": 100}], "couplings": [{"label": "I", "spec": {"type": "independent"}}],
      "oracle": {"datasets": [{"name": "g", "target": {"type": "toy2d", "name": "moons"}}],
                 "couplings": [{"label": "I", "spec": {"type": "independent"}}]}})";
  const auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("oracle.datasets[0].target"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// The §8 dataset kinds: a Brenier target scores the endpoint map against the true OT map (SD's
// one-step map is far closer than I-FM's, which sends everything near the mean), a discrete target
// trains on its atoms, and a dataset may restrict itself to some couplings.
TEST(FmSdfmStudy, BrenierAndDiscreteTargetsAndCouplingSubsets) {
  const std::string cfg = scratch("sdfm_kinds.json"), out = scratch("sdfm_kinds.h5");
  std::ofstream(cfg) << R"({"seed": 2, "seeds": [0],
    "train": {"steps": 400, "batch": 128, "hidden": [32, 32], "lr": 0.002, "ema": 0.99},
    "eval": {"n": 300, "w2_n": 200, "euler": [1], "heun": [], "dopri5": false, "straightness_n": 50},
    "datasets": [{"name": "BR", "target": {"type": "brenier", "dim": 4, "seed": 1}, "n_train": 400, "n_test": 200},
                 {"name": "GD", "target": {"type": "atoms", "m": 40, "dim": 2, "seed": 3}, "couplings": ["SD"],
                  "train": {"steps": 300, "hidden": [16, 16, 16], "time_embedding": {"f_max": 10}}}],
    "couplings": [{"label": "I-FM", "spec": {"type": "independent"}},
                  {"label": "SD", "spec": {"type": "semidiscrete", "target_chi2": 0.1, "steps": 4000}}]})";
  const auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto ds = f.read_strings("/summary/dataset"), cp = f.read_strings("/summary/coupling");
  const auto mse = f.read_doubles("/summary/map_mse");
  const auto n_train = f.read_ints("/summary/n_train"), steps = f.read_ints("/summary/train_steps");
  const auto hidden = f.read_strings("/summary/hidden");
  ASSERT_EQ(ds.size(), 3u);  // BR × {I-FM, SD} + GD × {SD}
  double ifm = 0, sd = 0;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    // GD's own "train" overrides config.train key by key; BR trains with config.train.
    EXPECT_EQ(steps[i], ds[i] == "GD" ? 300 : 400);
    EXPECT_EQ(hidden[i], ds[i] == "GD" ? "[16,16,16]" : "[32,32]");
    if (ds[i] == "GD") {
      EXPECT_EQ(cp[i], "SD");
      EXPECT_EQ(n_train[i], 40);  // the atoms themselves
      EXPECT_TRUE(std::isnan(mse[i]));
    } else {
      (cp[i] == "I-FM" ? ifm : sd) = mse[i];
    }
  }
  EXPECT_LT(sd, 0.5 * ifm);
  // A subset naming an unknown coupling, and a discrete target given sizes, exit 2.
  std::ofstream(cfg) << R"({"datasets": [{"name": "GD", "target": {"type": "atoms", "m": 40}, "couplings": ["OT"]}],
    "couplings": [{"label": "SD", "spec": {"type": "semidiscrete"}}]})";
  const auto bad = run("fm-sdfm-study", "--config " + cfg + " --out " + scratch("sdfm_kinds_bad.h5"));
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("'OT' is not the label"), std::string::npos) << bad.err;
  // A bad per-dataset recipe fails before anything trains, naming the dataset.
  std::ofstream(cfg) << R"({"datasets": [{"name": "GD", "target": {"type": "atoms", "m": 40}, "train": {"hidden": []}}],
    "couplings": [{"label": "SD", "spec": {"type": "semidiscrete"}}]})";
  const auto bad_train = run("fm-sdfm-study", "--config " + cfg + " --out " + scratch("sdfm_kinds_bad.h5"));
  EXPECT_EQ(bad_train.code, 2) << bad_train.err;
  EXPECT_NE(bad_train.err.find("config.datasets[0].train"), std::string::npos) << bad_train.err;
  // The embedding override merges key by key over config.train's: f_max alone, below f_min, is refused.
  std::ofstream(cfg) << R"({"datasets": [{"name": "GD", "target": {"type": "atoms", "m": 40},
    "train": {"time_embedding": {"f_max": 0.5}}}], "couplings": [{"label": "SD", "spec": {"type": "semidiscrete"}}]})";
  const auto bad_emb = run("fm-sdfm-study", "--config " + cfg + " --out " + scratch("sdfm_kinds_bad.h5"));
  EXPECT_EQ(bad_emb.code, 2) << bad_emb.err;
  EXPECT_NE(bad_emb.err.find("f_min <= f_max"), std::string::npos) << bad_emb.err;
  // A bad config.train value is named as config.train's, not as the first dataset that overrides it.
  const auto bad_top = run("fm-sdfm-study", "--config " + cfg + " --set train.precision=double --out " +
                                                scratch("sdfm_kinds_bad.h5"));
  EXPECT_EQ(bad_top.code, 2) << bad_top.err;
  EXPECT_NE(bad_top.err.find("error: config.train: train.precision: expected float64 or float32, got 'double'"),
            std::string::npos)
      << bad_top.err;
}

}  // namespace
