// Conditional flow matching through the programs: fm-train on labelled data (data.labels,
// objective.p_uncond), fm-sample with --condition and --guidance and its refusals (a label outside
// the trained set, a condition of the wrong size, guidance without a null token, --logprob), and
// the SD-FM study's conditional block (its /conditional table and sample grids, bad blocks).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/run.hpp"

using fmtest::run;
using fmtest::scratch;

namespace {

// Two labelled clusters far apart (label column 2): class k's samples land at x ≈ ±4.
void write_clusters(const std::string& path) {
  std::ofstream f(path);
  for (int i = 0; i < 400; ++i) {
    const int k = i % 2;
    const double jitter = 0.05 * ((i * 37) % 21 - 10);
    f << (k == 0 ? -4.0 : 4.0) + jitter << "," << 0.3 * jitter << "," << k << "\n";
  }
}

TEST(ConditionalPrograms, TrainOnLabelsAndSampleEachClass) {
  const std::string data = scratch("clusters.csv"), run_file = scratch("cond.h5"), samples = scratch("cond_s.h5");
  write_clusters(data);
  auto r = run("fm-train", "--set 'target={\"type\":\"dataset\",\"path\":\"" + data + "\",\"labels\":2}' "
                           "--set data.labels=true --set objective.p_uncond=0.2 --set train.steps=1500 "
                           "--set train.eval_every=500 --set train.ema=0.99 --json --out " + run_file);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto spec = fm::cfg::json::parse(fm::io::H5File::open(run_file).read_string("/model/spec"));
  EXPECT_EQ(spec["mlp"]["classes"], 2);
  EXPECT_EQ(spec["mlp"]["null_token"], true);
  EXPECT_EQ(spec["mlp"]["dim"], 2);  // the label column is not a coordinate
  for (int k = 0; k < 2; ++k) {
    r = run("fm-sample", "--model " + run_file + " --condition " + std::to_string(k) +
                             " --solver euler --nfe 16 --n 300 --json --force --out " + samples);
    ASSERT_EQ(r.code, 0) << r.err;
    const fm::Mat x = fm::io::H5File::open(samples).read_matrix("/samples");
    EXPECT_NEAR(x.col(0).mean(), k == 0 ? -4.0 : 4.0, 0.6) << "class " << k;
  }
  // Guidance 0 is the unconditional model: both clusters, a mean near 0.
  r = run("fm-sample", "--model " + run_file + " --condition 1 --guidance 0 --solver euler --nfe 16 --n 600 --force --out " + samples);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_LT(std::abs(fm::io::H5File::open(samples).read_matrix("/samples").col(0).mean()), 1.5);
  // The guidance correction: R trajectories per sample by the midpoint rule, one resampled.
  r = run("fm-sample", "--model " + run_file + " --condition 1 --guidance 2 --guidance-resample 8 --solver midpoint "
                       "--nfe 16 --n 50 --json --force --out " + samples);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto gj = fm::cfg::json::parse(r.out);
  EXPECT_GT(gj["guidance_ess"].get<double>(), 0.0);
  EXPECT_LE(gj["guidance_ess"].get<double>(), 1.0);
  EXPECT_EQ(fm::io::H5File::open(samples).read_matrix("/samples").rows(), 50);
  // cycle and a list are accepted; each bad condition is one line and exit 2, before any file.
  EXPECT_EQ(run("fm-sample", "--model " + run_file + " --condition cycle --guidance 2 --n 10 --solver euler").code, 0);
  EXPECT_EQ(run("fm-sample", "--model " + run_file + " --condition 0,1,1 --n 3 --solver euler").code, 0);
  const std::string wide = scratch("wide.csv");
  fmtest::write_file(wide, "0,1\n1,0\n");
  for (const std::string& bad :
       {std::string("--condition 2 --n 5"), std::string("--condition 0.5 --n 5"), std::string("--condition 0,1 --n 5"),
        std::string("--condition " + wide + " --n 2"), std::string("--n 5"), std::string("--condition 1 --solver em --n 5"),
        std::string("--condition 1 --logprob samples --n 5"), std::string("--condition 1 --guidance nan --n 5"),
        std::string("--condition -1 --n 5"), std::string("--condition 1,x --n 2"),
        std::string("--condition 1 --guidance 2 --guidance-resample 8 --n 5"),
        std::string("--condition 1 --guidance-resample 8 --solver midpoint --nfe 15 --n 5"),
        std::string("--condition 1 --guidance-resample 0 --solver midpoint --n 5"),
        std::string("--condition 1 --solver midpoint --nfe 16 --n 5")}) {
    const std::string o = scratch("cond_bad.h5");
    std::filesystem::remove(o);
    r = run("fm-sample", "--model " + run_file + " " + bad + " --out " + o);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(o)) << bad;
  }
  // Without the null token only guidance 1 is defined.
  const std::string plain = scratch("cond_plain.h5");
  ASSERT_EQ(run("fm-train", "--set 'target={\"type\":\"dataset\",\"path\":\"" + data + "\",\"labels\":2}' "
                            "--set data.labels=true --set train.steps=20 --out " + plain).code, 0);
  r = run("fm-sample", "--model " + plain + " --condition 0 --guidance 2 --n 5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("null token"), std::string::npos) << r.err;
  EXPECT_EQ(run("fm-sample", "--model " + plain + " --condition 0 --n 5").code, 0);
  // An unconditional model refuses conditions; conditions need labels.
  const std::string unc = scratch("uncond.h5");
  ASSERT_EQ(run("fm-train", "--set train.steps=20 --out " + unc).code, 0);
  EXPECT_EQ(run("fm-sample", "--model " + unc + " --condition 1 --n 5").code, 2);
  EXPECT_EQ(run("fm-sample", "--model " + unc + " --guidance-resample 4 --solver midpoint --nfe 8 --n 5").code, 2);
  EXPECT_EQ(run("fm-train", "--set objective.p_uncond=0.1 --set train.steps=20 --out " + scratch("x.h5")).code, 2);
  EXPECT_EQ(run("fm-train", "--set data.labels=true --set 'target={\"type\":\"toy2d\",\"name\":\"checkerboard\"}' "
                            "--set train.steps=20 --out " + scratch("y.h5")).code, 2);
  for (const std::string& bad : {std::string("1"), std::string("-0.1"), std::string("nan"), std::string("1e300")})
    EXPECT_EQ(run("fm-train", "--set data.labels=true --set objective.p_uncond=" + bad + " --set train.steps=20 --out " +
                                  scratch("z.h5")).code, 2) << bad;
}

// fm-ot semidiscrete with class labels: one problem per class (joint χ² small, every class's own
// potential) or the augmented cost at a finite β; the new flags' bad values are usage errors.
TEST(ConditionalPrograms, FmOtSemidiscreteTakesLabelsAndBeta) {
  const std::string y = scratch("sd_y.csv"), l = scratch("sd_l.csv"), out = scratch("sd_l.h5");
  {
    std::ofstream fy(y), fl(l);
    for (int i = 0; i < 120; ++i) {
      const int k = i % 3;
      fy << (k - 1) * 5.0 + 0.1 * ((i * 7) % 11 - 5) << "," << 0.1 * ((i * 5) % 13 - 6) << "\n";
      fl << k << "\n";
    }
  }
  auto r = run("fm-ot", "semidiscrete --y " + y + " --labels " + l + " --eps 0 --target-chi2 0.05 --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = fm::cfg::json::parse(r.out);
  EXPECT_EQ(j["classes"], 3);
  EXPECT_EQ(j["beta"], "inf (per class)");
  EXPECT_LT(j["chi2"].get<double>(), 0.1);
  const auto f = fm::io::H5File::open(out);
  EXPECT_EQ(f.read_ints("/result/labels").size(), 120u);
  EXPECT_EQ(f.read_doubles("/result/cell_chi2").size(), 3u);  // one problem per class
  r = run("fm-ot", "semidiscrete --y " + y + " --labels " + l + " --beta 1000 --eps 0 --target-chi2 0.1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["classes"], 3);
  const std::string short_l = scratch("sd_l_short.csv"), frac_l = scratch("sd_l_frac.csv");
  fmtest::write_file(short_l, "0\n1\n");
  {
    std::ofstream ff(frac_l);
    for (int i = 0; i < 120; ++i) ff << (i == 7 ? "0.5" : "1") << "\n";
  }
  for (const std::string& bad :
       {std::string("--beta 10"), std::string("--labels " + short_l), std::string("--labels " + frac_l),
        std::string("--labels " + l + " --beta 0"), std::string("--labels " + l + " --beta -1"),
        std::string("--labels " + l + " --beta 1e7"), std::string("--labels " + l + " --beta nan"),
        std::string("--labels " + l + " --snapshots 0.5")}) {
    const std::string o = scratch("sd_bad.h5");
    std::filesystem::remove(o);
    r = run("fm-ot", "semidiscrete --y " + y + " --eps 0 " + bad + " --out " + o);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(o)) << bad;
  }
}

const char* kConfig = R"({"seed": 3, "seeds": [0],
  "train": {"steps": 400, "batch": 128, "hidden": [32, 32], "lr": 0.002, "ema": 0.99},
  "eval": {"n": 200, "w2_n": 100, "euler": [1], "heun": [], "dopri5": false, "straightness_n": 50},
  "datasets": [{"name": "moons", "target": {"type": "toy2d", "name": "moons"}, "n_train": 300, "n_test": 200}],
  "couplings": [{"label": "I-FM", "role": "independent", "spec": {"type": "independent"}}],
  "conditional": {"seeds": [0, 1], "guidance": [0, 1, 2], "euler": [1, 4], "dopri5": true, "n_per_class": 30,
    "show_nfe": [1], "show_per_class": 4,
    "datasets": [{"name": "8gauss labels", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 400, "n_test": 400}],
    "couplings": [{"label": "I-CFM", "role": "independent", "spec": {"type": "independent"}},
                  {"label": "OT-CFM", "role": "ot_small_batch", "spec": {"type": "exact_ot"}},
                  {"label": "SD-CFM", "role": "sd", "spec": {"type": "semidiscrete", "target_chi2": 0.1, "steps": 4000}}]}})";

TEST(ConditionalPrograms, SdfmStudyBlockWritesTheConditionalTable) {
  const std::string cfg = scratch("sdfm_cond.json"), out = scratch("sdfm_cond.h5");
  std::ofstream(cfg) << kConfig;
  auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  const auto role = f.read_strings("/conditional/role");
  ASSERT_EQ(role.size(), 3u * 2u * 3u * 3u);  // couplings × seeds × guidance × (2 Euler + Dopri5)
  EXPECT_EQ(std::set<std::string>(role.begin(), role.end()), (std::set<std::string>{"independent", "ot_small_batch", "sd"}));
  for (double w : f.read_doubles("/conditional/w2_class")) EXPECT_GT(w, 0);
  for (double a : f.read_doubles("/conditional/accuracy")) EXPECT_TRUE(a >= 0 && a <= 1);
  for (double a : f.read_doubles("/conditional/accuracy_real")) EXPECT_GT(a, 0.9);  // separable modes
  for (long long k : f.read_ints("/conditional/classes_scored")) EXPECT_EQ(k, 8);
  // The per-class SD potential's joint χ² is reported beside its rows.
  const auto chi2 = f.read_doubles("/conditional/sd_chi2");
  for (std::size_t i = 0; i < role.size(); ++i) {
    if (role[i] == "sd") {
      EXPECT_LT(chi2[i], 0.3);
    }
  }
  // Sample grids for the plots: 8 classes × 4 samples per coupling at NFE 1.
  EXPECT_EQ(f.members("/conditional_samples").size(), 3u);
  EXPECT_EQ(f.read_matrix("/conditional_samples/d0_c2_euler1").rows(), 32);
  EXPECT_EQ(f.read_strings("/summary/coupling").size(), 1u);  // the unconditional rows are unchanged
  // only_couplings reaches the block; bad blocks are refused before any training.
  r = run("fm-sdfm-study", "--config " + cfg + " --set 'only=[\"8gauss labels\"]' --set 'only_couplings=[\"I-CFM\"]' --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["conditional"].size(), 2u * 3u * 3u);
  for (const std::string& bad :
       {std::string("conditional.guidance=[]"), std::string("conditional.p_uncond=1"),
        std::string("conditional.n_per_class=0"), std::string("conditional.show_nfe=[3]"),
        std::string("conditional.knn=100000"), std::string("conditional.seeds=[-1]"),
        std::string("conditional.datasets=[{\"name\":\"c\",\"target\":{\"type\":\"toy2d\",\"name\":\"checkerboard\"},"
                    "\"n_train\":100,\"n_test\":100}]"),
        std::string("conditional.couplings=[{\"label\":\"x\",\"role\":\"sd_chi2_level\",\"spec\":{\"type\":\"independent\"}}]")}) {
    const std::string o = scratch("sdfm_cond_bad.h5");
    r = run("fm-sdfm-study", "--config " + cfg + " --set '" + bad + "' --out " + o);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(o)) << bad;
  }
}

// The super-resolution block: the digits with their 4×4 pooled, noisy copies as conditions.
TEST(ConditionalPrograms, SdfmStudySuperResolutionBlock) {
  const std::string cfg = scratch("sdfm_sr.json"), out = scratch("sdfm_sr.h5");
  std::ofstream(cfg) << R"({"seed": 1, "seeds": [0],
  "train": {"steps": 200, "batch": 128, "hidden": [32, 32], "lr": 0.002, "ema": 0.99},
  "eval": {"n": 100, "w2_n": 50, "euler": [1], "heun": [], "dopri5": false, "straightness_n": 20},
  "datasets": [{"name": "moons", "target": {"type": "toy2d", "name": "moons"}, "n_train": 100, "n_test": 100}],
  "couplings": [{"label": "I-FM", "spec": {"type": "independent"}}],
  "super_resolution": {"euler": [1, 2], "dopri5": false, "n_conditions": 10, "samples_per_condition": 4, "show": 3,
    "datasets": [{"name": "SR", "target": {"type": "dataset", "path": "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
                  "columns": [0, 64]}, "n_train": 300, "n_test": 50, "pooled": 4, "sigma": 0.1}],
    "couplings": [{"label": "I-SR", "role": "independent", "spec": {"type": "independent"}},
                  {"label": "OT-SR", "role": "ot_small_batch", "spec": {"type": "exact_ot", "beta": 1}},
                  {"label": "SD-SR", "role": "sd", "spec": {"type": "semidiscrete", "beta": 1, "target_chi2": 0.2, "steps": 2000}}]}})";
  auto r = run("fm-sdfm-study", "--config " + cfg + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto f = fm::io::H5File::open(out);
  ASSERT_EQ(f.read_strings("/super_resolution/role").size(), 3u * 2u);  // couplings × Euler NFEs
  for (double p : f.read_doubles("/super_resolution/psnr")) EXPECT_TRUE(p > 3 && p < 40) << p;
  for (double s : f.read_doubles("/super_resolution/spread")) EXPECT_GT(s, 0);
  EXPECT_EQ(f.read_matrix("/super_resolution_samples/d0_truth").rows(), 3);
  EXPECT_EQ(f.read_matrix("/super_resolution_samples/d0_c2_euler1").cols(), 64);
  // Bad blocks: no beta for a pairing coupling, a pooled size that does not divide 8, non-square images.
  for (const std::string& bad :
       {std::string("super_resolution.couplings=[{\"label\":\"x\",\"role\":\"sd\",\"spec\":{\"type\":\"semidiscrete\"}}]"),
        std::string("super_resolution.datasets=[{\"name\":\"SR\",\"target\":{\"type\":\"dataset\",\"path\":\"/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz\",\"columns\":[0,64]},\"n_train\":300,\"n_test\":50,\"pooled\":3,\"sigma\":0.1}]"),
        std::string("super_resolution.datasets=[{\"name\":\"SR\",\"target\":{\"type\":\"toy2d\",\"name\":\"moons\"},\"n_train\":300,\"n_test\":50,\"pooled\":1,\"sigma\":0.1}]"),
        std::string("super_resolution.n_conditions=0"), std::string("super_resolution.peak=-1")}) {
    const std::string o = scratch("sdfm_sr_bad.h5");
    std::filesystem::remove(o);
    r = run("fm-sdfm-study", "--config " + cfg + " --set '" + bad + "' --out " + o);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(o)) << bad;
  }
}

// Continuous conditions through the programs: fm-train's data.conditions (a file, one row per point)
// and fm-sample --condition with a vector; fm-ot semidiscrete --conditions with --beta.
TEST(ConditionalPrograms, ContinuousConditionsFromAFile) {
  const std::string pts = scratch("line.csv"), zs = scratch("line_z.csv"), run_file = scratch("line.h5"),
                    samples = scratch("line_s.h5");
  {
    std::ofstream fp(pts), fz(zs);
    for (int i = 0; i < 600; ++i) {
      const double z = -3 + 6.0 * ((i * 37) % 600) / 600.0, e = 0.05 * ((i * 13) % 21 - 10);
      fp << z + e << "," << 0.5 * e << "\n";
      fz << z << "\n";
    }
  }
  const std::string target = "--set 'target={\"type\":\"dataset\",\"path\":\"" + pts + "\"}' ";
  auto r = run("fm-train", target + "--set data.conditions=" + zs + " --set train.steps=1500 --set train.eval_every=1500 "
                                    "--set train.ema=0.99 --out " + run_file);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(fm::io::H5File::open(run_file).read_string("/model/spec"))["mlp"]["cond_dim"], 1);
  for (double z : {-2.0, 1.5}) {
    r = run("fm-sample", "--model " + run_file + " --condition " + std::to_string(z) + " --solver euler --nfe 16 --n 300 --force --out " +
                             samples);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NEAR(fm::io::H5File::open(samples).read_matrix("/samples").col(0).mean(), z, 0.3) << z;
  }
  const std::string short_z = scratch("line_z_short.csv"), nan_z = scratch("line_z_nan.csv");
  fmtest::write_file(short_z, "1\n2\n");
  {
    std::ofstream f(nan_z);
    for (int i = 0; i < 600; ++i) f << (i == 5 ? "nan" : "1") << "\n";
  }
  for (const std::string& bad : {std::string("--set data.conditions=" + short_z), std::string("--set data.conditions=" + nan_z),
                                 std::string("--set data.conditions=" + zs + " --set data.labels=true"),
                                 std::string("--set data.conditions=/nonexistent.csv")}) {
    const std::string o = scratch("line_bad.h5");
    std::filesystem::remove(o);
    r = run("fm-train", target + bad + " --set train.steps=20 --out " + o);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(o)) << bad;
  }
  EXPECT_EQ(run("fm-train", "--set data.conditions=" + zs + " --set train.steps=20 --out " + scratch("toy.h5")).code, 2);
  // fm-ot: the augmented problem, and its refusals.
  r = run("fm-ot", "semidiscrete --y " + pts + " --conditions " + zs + " --beta 1 --eps 0 --target-chi2 0.1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fm::cfg::json::parse(r.out)["condition_dim"], 1);
  for (const std::string& bad : {std::string("--conditions " + zs), std::string("--conditions " + short_z + " --beta 1"),
                                 std::string("--conditions " + zs + " --beta 1 --labels " + zs)}) {
    r = run("fm-ot", "semidiscrete --y " + pts + " --eps 0 " + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
  }
}

}  // namespace
