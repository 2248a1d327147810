#include "fmkit/study/sdfm_conditional.hpp"

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
#include "fmkit/metrics/knn_classifier.hpp"
#include "fmkit/metrics/per_class_distances.hpp"
#include "fmkit/study/count_list.hpp"
#include "fmkit/study/name_selection.hpp"
#include "fmkit/study/sdfm_data.hpp"
#include "fmkit/study/sdfm_training.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {

using cfg::json;

namespace {

// Seeds of the block's datasets start here, apart from the unconditional datasets' base + index.
constexpr std::uint64_t kSeedOffset = 1000;

std::vector<long> step_list(const json& b, const char* key, const std::string& wb) {
  const auto v = count_list(b, key, wb, 1, cfg::kMaxGrid, "step counts");
  return {v.begin(), v.end()};
}

}  // namespace

ConditionalPlan plan_sdfm_conditional(const json& b, const json& tr) {
  const std::string wb = "config.conditional";
  cfg::expect_keys(b, wb, {"datasets", "couplings", "seeds", "p_uncond", "guidance", "euler", "dopri5", "n_per_class",
                           "knn", "show_nfe", "show_per_class"});
  ConditionalPlan p;
  if (b.contains("seeds")) {  // the block's own seeds (claims need several), else config.seeds
    const auto seeds = count_list(b, "seeds", wb, 0, INT64_MAX, "seeds");
    p.seeds.assign(seeds.begin(), seeds.end());
  }
  const double p_uncond = cfg::number_or(b, "p_uncond", 0.1, wb);
  if (!(p_uncond >= 0 && p_uncond < 1)) usage_error(wb + ".p_uncond: expected a probability in [0, 1)");
  const json& g = cfg::at(b, "guidance", wb);
  if (!g.is_array() || g.empty()) usage_error(wb + ".guidance: expected a non-empty list of scales");
  for (std::size_t i = 0; i < g.size(); ++i) {
    const std::string wg = wb + ".guidance[" + std::to_string(i) + "]";
    if (!g[i].is_number() || !(std::abs(g[i].get<double>()) <= 1e3)) usage_error(wg + ": expected a scale in [-1000, 1000]");
    p.guidance.push_back(g[i].get<double>());
    if (p.guidance.back() != 1 && p_uncond == 0)
      usage_error(wg + ": guidance other than 1 needs the null token, p_uncond > 0");
  }
  p.euler = step_list(b, "euler", wb);
  p.dopri5 = cfg::boolean_or(b, "dopri5", true, wb);
  p.n_per_class = b.contains("n_per_class") ? cfg::count(b, "n_per_class", wb, 2, 100000) : 200;
  p.knn = b.contains("knn") ? cfg::count(b, "knn", wb, 1, 1000) : 5;
  if (b.contains("show_nfe")) p.show_nfe = step_list(b, "show_nfe", wb);
  for (long k : p.show_nfe)
    if (std::find(p.euler.begin(), p.euler.end(), k) == p.euler.end())
      usage_error(wb + ".show_nfe: " + std::to_string(k) + " is not one of the Euler NFEs in " + wb + ".euler");
  p.show_per_class = b.contains("show_per_class") ? cfg::count(b, "show_per_class", wb, 1, 1000) : 10;
  if (p.show_per_class > p.n_per_class) usage_error(wb + ".show_per_class: must not exceed n_per_class");

  const json& ds = cfg::at(b, "datasets", wb);
  if (!ds.is_array() || ds.empty()) usage_error(wb + ".datasets: expected a non-empty list");
  for (std::size_t di = 0; di < ds.size(); ++di) {
    const std::string wd = wb + ".datasets[" + std::to_string(di) + "]";
    cfg::expect_keys(ds[di], wd, {"name", "target", "n_train", "n_test", "train"});
    p.names.push_back(cfg::string(ds[di], "name", wd));
    train::TrainSpec spec = dataset_train(tr, ds[di], wd);
    spec.objective.p_uncond = p_uncond;
    p.specs.push_back(std::move(spec));
    p.targets.push_back(dist::make_distribution(cfg::at(ds[di], "target", wd), wd + ".target"));
    p.splits.push_back(parse_split(ds[di], *p.targets.back(), wd, true));
    const Index n_train = p.splits.back().n_train;
    if (p.knn > n_train) usage_error(wb + ".knn: " + std::to_string(p.knn) + " exceeds " + wd + ".n_train");
  }
  const json& cps = cfg::at(b, "couplings", wb);
  if (!cps.is_array() || cps.empty()) usage_error(wb + ".couplings: expected a non-empty list");
  for (std::size_t ci = 0; ci < cps.size(); ++ci) {
    const std::string wc = wb + ".couplings[" + std::to_string(ci) + "]";
    cfg::expect_keys(cps[ci], wc, {"label", "role", "spec"});
    const std::string role = cfg::string(cps[ci], "role", wc);
    static const std::vector<std::string> roles{"independent", "ot_small_batch", "sd", "sd_eps"};
    if (std::find(roles.begin(), roles.end(), role) == roles.end())
      usage_error(wc + ".role: expected independent, ot_small_batch, sd or sd_eps (the roles claims C1 and C2 compare)");
    coupling::validate_coupling_spec(cfg::at(cps[ci], "spec", wc), wc + ".spec");
    p.labels.push_back(cfg::string(cps[ci], "label", wc));
    p.roles.push_back(role);
    p.coupling_specs.push_back(cps[ci]["spec"]);
  }
  p.dataset_selected.assign(p.names.size(), true);
  p.coupling_selected.assign(p.labels.size(), true);
  return p;
}

long conditional_runs(const ConditionalPlan& p, std::size_t seeds) {
  if (!p.seeds.empty()) seeds = p.seeds.size();
  return selected_runs(p.dataset_selected, p.coupling_selected, seeds);
}

namespace {

// What every training of one dataset is scored against: its split, the k-NN judge fitted on the
// training set (its test accuracy is the ceiling) and one noise set with n_per_class samples of
// every class (row i has class i mod K).
struct ConditionalBench {
  Split split;
  Index classes, dim;
  metrics::KnnClassifier knn;
  double acc_real;
  Mat x0, cond;
  std::vector<Index> want;
  ConditionalBench(const ConditionalPlan& p, std::size_t di, std::uint64_t dseed)
      : split(make_split(p.splits[di], p.targets[di], dseed, true)), classes(split.classes), dim(split.train.cols()),
        knn(split.train, split.train_labels, classes, p.knn), acc_real(knn.accuracy(split.test, split.test_labels)) {
    Rng nrng(dseed, "sdfm/cond_noise");
    const Index n = classes * p.n_per_class;
    x0 = nrng.normal(n, dim);
    cond.resize(n, 1);
    want.resize(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
      want[static_cast<std::size_t>(i)] = i % classes;
      cond(i, 0) = static_cast<double>(i % classes);
    }
  }
};

}  // namespace

io::Table run_sdfm_conditional(const ConditionalPlan& p, const std::vector<std::uint64_t>& study_seeds,
                               std::uint64_t base_seed, io::H5File* output, StudyProgress& progress) {
  const std::vector<std::uint64_t>& seeds = p.seeds.empty() ? study_seeds : p.seeds;
  // One unit per (dataset, coupling, seed), run side by side like the main block's.
  const std::vector<RunIndex> units = selected_run_list(p.dataset_selected, p.coupling_selected, seeds.size());
  std::vector<std::optional<ConditionalBench>> benches(p.names.size());
  for (std::size_t di = 0; di < p.names.size(); ++di)
    if (p.dataset_selected[di]) benches[di].emplace(p, di, base_seed + kSeedOffset + di);
  std::vector<io::Table> rows(units.size());
  std::mutex output_lock;
  for_each_unit(units.size(), [&](std::size_t u) {
    const auto [di, ci, si] = units[u];
    const ConditionalBench& b = *benches[di];
    const Split& split = b.split;
    const Index K = b.classes, dim = b.dim;
    io::Table& table = rows[u];
    const std::uint64_t seed = seeds[si];
    const std::string what = p.names[di] + " " + p.labels[ci] + " seed " + std::to_string(seed);
    progress.running(what);
    train::TrainSpec spec = p.specs[di];
    spec.seed = seed;
    spec.coupling = p.coupling_specs[ci];
    train::Trainer trainer(std::move(spec), split.train, split.train_conditions());
    const train::TrainResult res = trainer.run("", {"fm-sdfm-study", seed});
    if (!res.ok())
      runtime_error(p.names[di] + ", coupling " + p.labels[ci] + ", seed " + std::to_string(seed) + ": " + res.stop_reason);
    const io::Summary ts = trainer.summary(res);
    const auto net = std::make_shared<nn::Mlp>(trainer.ema_mlp());
    for (double gamma : p.guidance) {
      const field::ConditionedField v(net, gamma);
      auto row = [&](const std::string& solver, long nfe, const integrate::FlowResult& f) {
        const metrics::PerClassDistances pc = metrics::per_class_distances(f.x, b.want, split.test, split.test_labels, K);
        table.add_row();
        table.set("dataset", p.names[di]);
        table.set("dim", static_cast<long long>(dim));
        table.set("classes", static_cast<long long>(K));
        table.set("n_train", static_cast<long long>(split.train.rows()));
        table.set("coupling", p.labels[ci]);
        table.set("role", p.roles[ci]);
        table.set("seed", static_cast<long long>(seed));
        table.set("train_steps", static_cast<long long>(p.specs[di].train.steps));
        table.set("p_uncond", p.specs[di].objective.p_uncond);
        table.set("guidance", gamma);
        table.set("solver", solver);
        table.set("nfe", static_cast<long long>(nfe));
        table.set("nfe_mean", f.nfe_mean);
        table.set("w2_class", pc.mean_w2);
        table.set("energy_class", pc.mean_energy);
        table.set("classes_scored", static_cast<long long>(pc.scored));
        table.set("accuracy", b.knn.accuracy(f.x, b.want));
        table.set("accuracy_real", b.acc_real);
        training_columns(res, ts, table);
        // Samples for the plots, in data units: the first seed, γ = 1, the first show_per_class of each class.
        if (output && si == 0 && gamma == 1 && solver == "euler" &&
            std::find(p.show_nfe.begin(), p.show_nfe.end(), nfe) != p.show_nfe.end()) {
          const std::string name = "/conditional_samples/d" + std::to_string(di) + "_c" + std::to_string(ci) +
                                   "_euler" + std::to_string(nfe);
          const Mat shown = (f.x.topRows(K * p.show_per_class) * split.scale).rowwise() + split.mean.transpose();
          const std::lock_guard<std::mutex> hold(output_lock);
          output->write(name, shown);
          output->set_attr(name, "dataset", p.names[di]);
          output->set_attr(name, "coupling", p.labels[ci]);
          output->set_attr(name, "role", p.roles[ci]);
          output->set_attr(name, "nfe", static_cast<long long>(nfe));
          output->set_attr(name, "classes", static_cast<long long>(K));
          output->set_attr(name, "rows", "row i has class i mod classes");
        }
      };
      conditional_flows(v, b.x0, b.cond, p.euler, p.dopri5, row);
    }
    progress.done(what);
  });
  io::Table table;
  for (const io::Table& t : rows) table.append(t);
  return table;
}

}  // namespace fm::study
