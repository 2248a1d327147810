#include "fmkit/study/sdfm_superres.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/coupling/make_coupling.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/conditioned_field.hpp"
#include "fmkit/integrate/conditional_sampling.hpp"
#include "fmkit/study/count_list.hpp"
#include "fmkit/study/name_selection.hpp"
#include "fmkit/study/sdfm_data.hpp"
#include "fmkit/study/sdfm_training.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {

using cfg::json;

namespace {
// Seeds of the block's datasets start here, apart from the other blocks'.
constexpr std::uint64_t kSeedOffset = 2000;
}  // namespace

Mat average_pool(const Mat& images, Index side, Index pooled) {
  FM_REQUIRE(images.cols() == side * side && pooled >= 1 && side % pooled == 0, "average_pool: bad image sizes");
  const Index f = side / pooled;
  Mat out = Mat::Zero(images.rows(), pooled * pooled);
  for (Index r = 0; r < side; ++r)
    for (Index c = 0; c < side; ++c) out.col((r / f) * pooled + c / f) += images.col(r * side + c);
  return out / static_cast<double>(f * f);
}

SuperResPlan plan_sdfm_superres(const json& b, const json& tr) {
  const std::string wb = "config.super_resolution";
  cfg::expect_keys(b, wb, {"datasets", "couplings", "euler", "dopri5", "n_conditions", "samples_per_condition", "show",
                           "peak"});
  SuperResPlan p;
  const auto euler = count_list(b, "euler", wb, 1, cfg::kMaxGrid, "step counts");
  p.euler.assign(euler.begin(), euler.end());
  p.dopri5 = cfg::boolean_or(b, "dopri5", true, wb);
  p.n_conditions = b.contains("n_conditions") ? cfg::count(b, "n_conditions", wb, 1, 100000) : 100;
  p.samples_per_condition = b.contains("samples_per_condition") ? cfg::count(b, "samples_per_condition", wb, 2, 1000) : 8;
  p.show = b.contains("show") ? cfg::count(b, "show", wb, 1, 1000) : 6;
  if (p.show > p.n_conditions) usage_error(wb + ".show: must not exceed n_conditions");
  p.peak = cfg::number_or(b, "peak", 16.0, wb);
  if (!(p.peak > 0 && p.peak <= 1e12)) usage_error(wb + ".peak: expected the pixel range, a number in (0, 1e12]");
  const json& ds = cfg::at(b, "datasets", wb);
  if (!ds.is_array() || ds.empty()) usage_error(wb + ".datasets: expected a non-empty list");
  for (std::size_t di = 0; di < ds.size(); ++di) {
    const std::string wd = wb + ".datasets[" + std::to_string(di) + "]";
    cfg::expect_keys(ds[di], wd, {"name", "target", "n_train", "n_test", "pooled", "sigma", "train"});
    p.names.push_back(cfg::string(ds[di], "name", wd));
    p.specs.push_back(dataset_train(tr, ds[di], wd));
    p.targets.push_back(dist::make_distribution(cfg::at(ds[di], "target", wd), wd + ".target"));
    p.splits.push_back(parse_split(ds[di], *p.targets.back(), wd));
    const Index d = p.targets.back()->dim(), side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(d))));
    if (side * side != d) usage_error(wd + ".target: points of dimension " + std::to_string(d) + " are not square images");
    p.pooled.push_back(cfg::count(ds[di], "pooled", wd, 1, side));
    if (side % p.pooled.back() != 0)
      usage_error(wd + ".pooled: " + std::to_string(p.pooled.back()) + " does not divide the image side " + std::to_string(side));
    p.sigma.push_back(cfg::number(ds[di], "sigma", wd));
    if (!(p.sigma.back() >= 0 && p.sigma.back() <= 100)) usage_error(wd + ".sigma: expected a noise level in [0, 100]");
    if (p.splits.back().n_test < p.n_conditions)
      usage_error(wd + ".n_test: fewer test images than " + wb + ".n_conditions");
  }
  const json& cps = cfg::at(b, "couplings", wb);
  if (!cps.is_array() || cps.empty()) usage_error(wb + ".couplings: expected a non-empty list");
  for (std::size_t ci = 0; ci < cps.size(); ++ci) {
    const std::string wc = wb + ".couplings[" + std::to_string(ci) + "]";
    cfg::expect_keys(cps[ci], wc, {"label", "role", "spec"});
    const std::string role = cfg::string(cps[ci], "role", wc);
    if (role != "independent" && role != "ot_small_batch" && role != "sd")
      usage_error(wc + ".role: expected independent, ot_small_batch or sd (the roles claim C3 compares)");
    const json& spec = cfg::at(cps[ci], "spec", wc);
    coupling::validate_coupling_spec(spec, wc + ".spec");
    if (spec.value("type", "") != "independent" && !spec.contains("beta"))
      usage_error(wc + ".spec.beta: a continuous condition needs its weight beta in the augmented cost");
    p.labels.push_back(cfg::string(cps[ci], "label", wc));
    p.roles.push_back(role);
    p.coupling_specs.push_back(spec);
  }
  p.dataset_selected.assign(p.names.size(), true);
  p.coupling_selected.assign(p.labels.size(), true);
  return p;
}

long superres_runs(const SuperResPlan& p, std::size_t seeds) {
  return selected_runs(p.dataset_selected, p.coupling_selected, seeds);
}

namespace {

// What every training of one dataset is scored against: its split, the conditions (the pooled
// image plus noise, drawn once per point, in standardised units) of the training points and of
// n_conditions test images, and samples_per_condition noises for each (row i has condition i / k).
struct SuperResBench {
  Split split;
  Index dim, side;
  Mat z_train, test, z_test, pooled_truth, cond, x0;
  SuperResBench(const SuperResPlan& p, std::size_t di, std::uint64_t dseed)
      : split(make_split(p.splits[di], p.targets[di], dseed)), dim(split.train.cols()),
        side(static_cast<Index>(std::lround(std::sqrt(static_cast<double>(dim))))) {
    Rng ntr(dseed, "sdfm/superres_train_noise"), nte(dseed, "sdfm/superres_test_noise");
    z_train = average_pool(split.train, side, p.pooled[di]) +
              p.sigma[di] * ntr.normal(split.train.rows(), p.pooled[di] * p.pooled[di]);
    test = split.test.topRows(p.n_conditions);
    z_test = average_pool(test, side, p.pooled[di]) + p.sigma[di] * nte.normal(test.rows(), p.pooled[di] * p.pooled[di]);
    pooled_truth = average_pool(test, side, p.pooled[di]);
    const Index k = p.samples_per_condition, n = p.n_conditions * k;
    cond.resize(n, z_test.cols());
    for (Index i = 0; i < n; ++i) cond.row(i) = z_test.row(i / k);
    Rng nrng(dseed, "sdfm/superres_noise");
    x0 = nrng.normal(n, dim);
  }
};

}  // namespace

io::Table run_sdfm_superres(const SuperResPlan& p, const std::vector<std::uint64_t>& seeds, std::uint64_t base_seed,
                            io::H5File* output, StudyProgress& progress) {
  // One unit per (dataset, coupling, seed), run side by side like the main block's.
  const std::vector<RunIndex> units = selected_run_list(p.dataset_selected, p.coupling_selected, seeds.size());
  std::vector<std::optional<SuperResBench>> benches(p.names.size());
  for (std::size_t di = 0; di < p.names.size(); ++di)
    if (p.dataset_selected[di]) benches[di].emplace(p, di, base_seed + kSeedOffset + di);
  std::vector<io::Table> rows(units.size());
  std::mutex output_lock;
  for_each_unit(units.size(), [&](std::size_t u) {
    const auto [di, ci, si] = units[u];
    const SuperResBench& b = *benches[di];
    const Split& split = b.split;
    const Index dim = b.dim, side = b.side, k = p.samples_per_condition, n = p.n_conditions * k;
    const Mat &test = b.test, &z_test = b.z_test, &pooled_truth = b.pooled_truth;
    io::Table& table = rows[u];
    const std::uint64_t seed = seeds[si];
    const std::string what = p.names[di] + " " + p.labels[ci] + " seed " + std::to_string(seed);
    progress.running(what);
    train::TrainResult res;
    const train::Trainer trainer = train_with_conditions(p.specs[di], seed, p.coupling_specs[ci], split.train,
                                                         dist::Conditions{b.z_train, 0},
                                                         p.names[di] + ", coupling " + p.labels[ci], res);
    const io::Summary ts = trainer.summary(res);
    const field::ConditionedField v(std::make_shared<nn::Mlp>(trainer.ema_mlp()), 1.0);
    auto row = [&](const std::string& solver, long nfe, const integrate::FlowResult& f) {
      // Data units (pixels) for PSNR and spread; the pooled consistency in standardised units.
      const Mat x = (f.x * split.scale).rowwise() + split.mean.transpose();
      const Mat truth = (test * split.scale).rowwise() + split.mean.transpose();
      double psnr = 0, spread = 0;
      for (Index i = 0; i < n; ++i) {
        const double mse = (x.row(i) - truth.row(i / k)).squaredNorm() / static_cast<double>(dim);
        psnr += 10 * std::log10(p.peak * p.peak / std::max(mse, 1e-300));
      }
      for (Index c = 0; c < p.n_conditions; ++c) {
        const Mat s = x.middleRows(c * k, k);
        spread += ((s.rowwise() - s.colwise().mean()).array().square().colwise().sum() / static_cast<double>(k - 1))
                      .sqrt().mean();
      }
      const Mat pooled = average_pool(f.x, side, p.pooled[di]);
      double pool_se = 0;
      for (Index i = 0; i < n; ++i) pool_se += (pooled.row(i) - pooled_truth.row(i / k)).squaredNorm();
      table.add_row();
      table.set("dataset", p.names[di]);
      table.set("pooled", static_cast<long long>(p.pooled[di]));
      table.set("sigma", p.sigma[di]);
      table.set("coupling", p.labels[ci]);
      table.set("role", p.roles[ci]);
      table.set("seed", static_cast<long long>(seed));
      table.set("train_steps", static_cast<long long>(p.specs[di].train.steps));
      table.set("solver", solver);
      table.set("nfe", static_cast<long long>(nfe));
      table.set("nfe_mean", f.nfe_mean);
      table.set("psnr", psnr / static_cast<double>(n));
      table.set("spread", spread / static_cast<double>(p.n_conditions));
      table.set("pool_rmse", std::sqrt(pool_se / static_cast<double>(n * pooled.cols())));
      training_columns(res, ts, table);
      if (output && si == 0 && solver == "euler") {
        const std::lock_guard<std::mutex> hold(output_lock);
        const std::string g = "/super_resolution_samples/d" + std::to_string(di) + "_c" + std::to_string(ci) +
                              "_euler" + std::to_string(nfe);
        Mat first(p.show, dim);  // the first sample of each shown condition
        for (Index c = 0; c < p.show; ++c) first.row(c) = x.row(c * k);
        output->write(g, first);
        output->set_attr(g, "dataset", p.names[di]);
        output->set_attr(g, "coupling", p.labels[ci]);
        output->set_attr(g, "nfe", static_cast<long long>(nfe));
        if (!output->exists("/super_resolution_samples/d" + std::to_string(di) + "_truth")) {
          const std::string t = "/super_resolution_samples/d" + std::to_string(di) + "_truth";
          output->write(t, Mat(truth.topRows(p.show)));
          // The inputs, upsampled back to the image grid and in data units, for the triptychs.
          const Index f2 = side / p.pooled[di];
          const Mat pooled_mean = average_pool(split.mean.transpose(), side, p.pooled[di]);
          Mat up(p.show, dim);
          for (Index c = 0; c < p.show; ++c)
            for (Index r = 0; r < side; ++r)
              for (Index q = 0; q < side; ++q) {
                const Index cell = (r / f2) * p.pooled[di] + q / f2;
                up(c, r * side + q) = z_test(c, cell) * split.scale + pooled_mean(0, cell);
              }
          output->write("/super_resolution_samples/d" + std::to_string(di) + "_input", up);
          output->set_attr(t, "dataset", p.names[di]);
        }
      }
    };
    conditional_flows(v, b.x0, b.cond, p.euler, p.dopri5, row);
    progress.done(what);
  });
  io::Table table;
  for (const io::Table& t : rows) table.append(t);
  return table;
}

}  // namespace fm::study
