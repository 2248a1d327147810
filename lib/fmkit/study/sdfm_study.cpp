#include "fmkit/study/sdfm_study.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <variant>

#include "fmkit/core/error.hpp"
#include "fmkit/coupling/make_coupling.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/dist/atoms.hpp"
#include "fmkit/dist/brenier_map.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/row_split.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/field/mlp_mean_flow.hpp"
#include "fmkit/integrate/flow.hpp"
#include "fmkit/integrate/mean_flow.hpp"
#include "fmkit/nn/checkpoint.hpp"
#include "fmkit/metrics/kernel_distances.hpp"
#include "fmkit/metrics/monte_carlo.hpp"
#include "fmkit/metrics/straightness.hpp"
#include "fmkit/metrics/wasserstein.hpp"
#include "fmkit/study/count_list.hpp"
#include "fmkit/study/name_selection.hpp"
#include "fmkit/study/sdfm_conditional.hpp"
#include "fmkit/study/sdfm_data.hpp"
#include "fmkit/study/sdfm_examples.hpp"
#include "fmkit/study/sdfm_training.hpp"
#include "fmkit/study/sdfm_oracle.hpp"
#include "fmkit/study/sdfm_superres.hpp"
#include "fmkit/train/train_spec.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {

using cfg::json;

json sdfm_study_defaults() {
  return json::parse(R"({
    "seed": 0,
    "seeds": [0, 1],
    "only": null,
    "only_couplings": null,
    "train": {"steps": 2000, "batch": 256, "hidden": [64, 64, 64], "lr": 0.001, "ema": 0.999,
              "time_embedding": {"type": "sinusoidal", "frequencies": 16, "f_min": 1.0, "f_max": 100.0},
              "precision": "float64"},
    "eval": {"n": 2000, "w2_n": 1000, "euler": [1, 2, 4, 8, 16, 32, 64], "heun": [2, 4, 8, 16],
             "dopri5": true, "straightness_n": 500},
    "datasets": [],
    "couplings": [],
    "mean_flow": null,
    "conditional": null,
    "super_resolution": null,
    "oracle": {"n": 2000, "w2_n": 1000, "euler": [1, 2, 4, 8, 16, 32, 64], "straightness_n": 500,
               "fine_steps": 512, "loss_n": 20000, "datasets": [], "couplings": [], "only": null}
  })");
}

std::set<std::string> sdfm_study_opaque() {
  return {"only", "only_couplings", "datasets", "couplings", "oracle.datasets", "oracle.couplings", "oracle.only"};
}

namespace {

// Step counts of an eval list (may be empty: that solver does not run).
std::vector<long> steps_list(const json& ev, const char* k) {
  const auto v = count_list(ev, k, "eval", 1, cfg::kMaxGrid, "step counts", false);
  return {v.begin(), v.end()};
}

}  // namespace

SdfmStudySpec parse_sdfm_study(const json& c) {
  cfg::expect_keys(c, "config",
                   {"seed", "seeds", "only", "only_couplings", "train", "eval", "datasets", "couplings", "mean_flow",
                    "conditional", "super_resolution", "oracle"});
  const json& tr = c["train"];
  const json& ev = c["eval"];
  cfg::expect_keys(tr, "train", {"steps", "batch", "hidden", "lr", "ema", "time_embedding", "precision"});
  dataset_train(tr, json::object(), "config");  // config.train itself first, so its errors name it
  cfg::expect_keys(ev, "eval", {"n", "w2_n", "euler", "heun", "dopri5", "straightness_n"});
  SdfmStudySpec p;
  p.seed = static_cast<std::uint64_t>(cfg::integer(c, "seed", "config"));
  const auto seeds = count_list(c, "seeds", "config", 0, INT64_MAX, "seeds");
  p.seeds.assign(seeds.begin(), seeds.end());
  if (!c["datasets"].is_array() || c["datasets"].empty()) usage_error("config.datasets: expected a non-empty list");
  if (!c["couplings"].is_array() || c["couplings"].empty()) usage_error("config.couplings: expected a non-empty list");
  p.eval.n = cfg::count(ev, "n", "eval", 2, cfg::kMaxPoints);
  p.eval.w2_n = cfg::count(ev, "w2_n", "eval", 2, cfg::kMaxPoints);
  if (p.eval.w2_n > p.eval.n) usage_error("eval.w2_n: must not exceed eval.n");
  p.eval.straightness_n = cfg::count(ev, "straightness_n", "eval", 1, cfg::kMaxPoints);
  if (p.eval.straightness_n > p.eval.n) usage_error("eval.straightness_n: must not exceed eval.n");
  p.eval.euler = steps_list(ev, "euler");
  p.eval.heun = steps_list(ev, "heun");
  p.eval.dopri5 = cfg::boolean_or(ev, "dopri5", true, "eval");
  // The couplings, before the datasets that name them by label.
  std::vector<std::string> label_list;
  for (std::size_t ci = 0; ci < c["couplings"].size(); ++ci) {
    const std::string wc = "config.couplings[" + std::to_string(ci) + "]";
    cfg::expect_keys(c["couplings"][ci], wc, {"label", "spec", "role"});
    SdfmCoupling cp;
    // The role a coupling plays in the paper's claims (experiments/claims/sdfm_claims.py reads it
    // from the stored config); a label is a name for people, never matched by the claims.
    if (c["couplings"][ci].contains("role")) {
      static const std::vector<std::string> roles{"independent", "ot_small_batch", "ot_smaller_batch", "ot_sinkhorn",
                                                  "ot_sinkhorn_small_eps", "ot_large_batch", "sd", "sd_eps",
                                                  "sd_chi2_level"};
      cp.role = cfg::string(c["couplings"][ci], "role", wc);
      if (std::find(roles.begin(), roles.end(), cp.role) == roles.end())
        usage_error(wc + ".role: unknown role '" + cp.role + "' (see experiments/claims/sdfm_claims.py)");
    }
    cp.spec = cfg::at(c["couplings"][ci], "spec", wc);
    coupling::validate_coupling_spec(cp.spec, wc + ".spec");
    cp.label = cfg::string(c["couplings"][ci], "label", wc);
    label_list.push_back(cp.label);
    p.couplings.push_back(std::move(cp));
  }
  // The mean-flow block's couplings share the label namespace (and only_couplings) with the rest.
  const json& mf = c["mean_flow"];
  std::vector<std::string> mf_labels;
  if (!mf.is_null()) {
    const std::string wm = "config.mean_flow";
    cfg::expect_keys(mf, wm, {"datasets", "couplings", "nfe", "objective"});
    p.mean_flow.objective = train::Objective::parse(cfg::at(mf, "objective", wm), wm + ".objective");
    if (p.mean_flow.objective.type != "meanflow") usage_error(wm + ".objective.type: expected meanflow");
    const auto nfe = count_list(mf, "nfe", wm, 1, 1024, "step counts");
    p.mean_flow.nfe.assign(nfe.begin(), nfe.end());
    const json& cps = cfg::at(mf, "couplings", wm);
    if (!cps.is_array() || cps.empty()) usage_error(wm + ".couplings: expected a non-empty list");
    for (std::size_t i = 0; i < cps.size(); ++i) {
      const std::string wc = wm + ".couplings[" + std::to_string(i) + "]";
      cfg::expect_keys(cps[i], wc, {"label", "spec", "role"});
      SdfmCoupling cp;
      cp.role = cfg::string(cps[i], "role", wc);
      if (cp.role != "independent" && cp.role != "sd")
        usage_error(wc + ".role: expected independent or sd (the roles claims MF1 and MF2 compare)");
      cp.spec = cfg::at(cps[i], "spec", wc);
      coupling::validate_coupling_spec(cp.spec, wc + ".spec");
      cp.label = cfg::string(cps[i], "label", wc);
      if (std::find(label_list.begin(), label_list.end(), cp.label) != label_list.end() ||
          std::find(mf_labels.begin(), mf_labels.end(), cp.label) != mf_labels.end())
        usage_error(wc + ".label: '" + cp.label + "' is already the label of another coupling");
      mf_labels.push_back(cp.label);
      p.mean_flow.couplings.push_back(std::move(cp));
    }
  }
  // The conditional block's datasets and couplings join the names "only" and "only_couplings" pick from.
  if (!c["conditional"].is_null()) p.conditional = plan_sdfm_conditional(c["conditional"], tr);
  if (!c["super_resolution"].is_null()) p.superres = plan_sdfm_superres(c["super_resolution"], tr);
  const std::vector<std::string> no_names;
  const std::vector<std::string>& cd_names = p.conditional ? p.conditional->names : no_names;
  const std::vector<std::string>& cd_labels = p.conditional ? p.conditional->labels : no_names;
  const std::vector<std::string>& sr_names = p.superres ? p.superres->names : no_names;
  const std::vector<std::string>& sr_labels = p.superres ? p.superres->labels : no_names;
  // "only_couplings" splits a dataset's work by coupling (sweep tasks of minutes, not hours); the
  // training seed does not depend on the coupling, so the split rows equal the full run's.
  std::vector<std::string> all_labels = label_list;
  all_labels.insert(all_labels.end(), mf_labels.begin(), mf_labels.end());
  all_labels.insert(all_labels.end(), cd_labels.begin(), cd_labels.end());
  all_labels.insert(all_labels.end(), sr_labels.begin(), sr_labels.end());
  const std::vector<bool> picked =
      select_by_name(c["only_couplings"], "config.only_couplings", all_labels, "config.couplings", "label");
  const auto n_main = static_cast<long>(label_list.size()), n_mf = static_cast<long>(mf_labels.size());
  const std::vector<bool> coupling_selected(picked.begin(), picked.begin() + n_main);
  p.mean_flow.selected.assign(picked.begin() + n_main, picked.begin() + n_main + n_mf);
  std::vector<std::string> names;
  for (std::size_t di = 0; di < c["datasets"].size(); ++di)
    names.push_back(cfg::string(c["datasets"][di], "name", "config.datasets[" + std::to_string(di) + "]"));
  std::vector<std::string> all_names = names;
  all_names.insert(all_names.end(), cd_names.begin(), cd_names.end());
  all_names.insert(all_names.end(), sr_names.begin(), sr_names.end());
  const std::vector<bool> chosen = select_by_name(c["only"], "config.only", all_names, "config.datasets");
  const auto n_cd = static_cast<long>(cd_labels.size()), n_names = static_cast<long>(names.size()),
             n_cd_names = static_cast<long>(cd_names.size());
  if (p.superres) {
    p.superres->coupling_selected.assign(picked.begin() + n_main + n_mf + n_cd, picked.end());
    p.superres->dataset_selected.assign(chosen.begin() + n_names + n_cd_names, chosen.end());
    const long runs = superres_runs(*p.superres, p.seeds.size());
    const bool any_dataset = std::find(p.superres->dataset_selected.begin(), p.superres->dataset_selected.end(), true) !=
                             p.superres->dataset_selected.end();
    if (any_dataset && runs == 0)
      usage_error("config.only_couplings: selects none of the couplings of config.super_resolution");
    p.total += runs;
  }
  if (p.conditional) {
    p.conditional->coupling_selected.assign(picked.begin() + n_main + n_mf, picked.begin() + n_main + n_mf + n_cd);
    p.conditional->dataset_selected.assign(chosen.begin() + n_names, chosen.begin() + n_names + n_cd_names);
    const long runs = conditional_runs(*p.conditional, p.seeds.size());
    const bool any_dataset = std::find(p.conditional->dataset_selected.begin(), p.conditional->dataset_selected.end(),
                                       true) != p.conditional->dataset_selected.end();
    if (any_dataset && runs == 0)
      usage_error("config.only_couplings: selects none of the couplings of config.conditional");
    p.total += runs;
  }
  std::vector<bool> mf_dataset(names.size(), false);
  if (!mf.is_null()) {
    const json& ds = cfg::at(mf, "datasets", "config.mean_flow");
    if (!ds.is_array() || ds.empty()) usage_error("config.mean_flow.datasets: expected a non-empty list of dataset names");
    for (const auto& n : ds) {
      const auto it = n.is_string() ? std::find(names.begin(), names.end(), n.get<std::string>()) : names.end();
      if (it == names.end())
        usage_error("config.mean_flow.datasets: '" + (n.is_string() ? n.get<std::string>() : n.dump()) +
                    "' is not the name of a dataset in config.datasets");
      mf_dataset[static_cast<std::size_t>(it - names.begin())] = true;
    }
  }
  for (std::size_t di = 0; di < c["datasets"].size(); ++di) {
    const json& d = c["datasets"][di];
    const std::string wd = "config.datasets[" + std::to_string(di) + "]";
    cfg::expect_keys(d, wd, {"name", "target", "n_train", "n_test", "couplings", "train"});
    SdfmDataset ds;
    ds.name = names[di];
    ds.selected = chosen[di];
    ds.mean_flow = mf_dataset[di];
    ds.train = dataset_train(tr, d, wd);
    ds.target = dist::make_distribution(cfg::at(d, "target", wd), wd + ".target");
    ds.split = parse_split(d, *ds.target, wd);
    // The dataset's own coupling subset (the quick config's budget), by label.
    ds.runs = coupling_selected;
    if (d.contains("couplings")) {
      if (!d["couplings"].is_array() || d["couplings"].empty())
        usage_error(wd + ".couplings: expected a non-empty list of coupling labels");
      std::vector<bool> listed(label_list.size(), false);
      for (const auto& l : d["couplings"]) {
        const auto it = l.is_string() ? std::find(label_list.begin(), label_list.end(), l.get<std::string>())
                                      : label_list.end();
        if (it == label_list.end())
          usage_error(wd + ".couplings: '" + (l.is_string() ? l.get<std::string>() : l.dump()) +
                      "' is not the label of a coupling in config.couplings");
        listed[static_cast<std::size_t>(it - label_list.begin())] = true;
      }
      for (std::size_t ci = 0; ci < listed.size(); ++ci) ds.runs[ci] = ds.runs[ci] && listed[ci];
    }
    // Each coupling against the batch it will train with (a minibatch coupling's ot_batch).
    for (std::size_t ci = 0; ci < p.couplings.size(); ++ci)
      if (ds.runs[ci])
        coupling::validate_coupling_spec(p.couplings[ci].spec, "config.couplings[" + std::to_string(ci) + "].spec",
                                         ds.train.train.batch);
    if (ds.selected) {
      long runs = static_cast<long>(std::count(ds.runs.begin(), ds.runs.end(), true));
      if (ds.mean_flow) runs += static_cast<long>(std::count(p.mean_flow.selected.begin(), p.mean_flow.selected.end(), true));
      // An empty intersection is a mis-split sweep, not a run with nothing to report.
      if (runs == 0)
        usage_error("config.only_couplings: selects none of the couplings dataset '" + ds.name + "' runs");
      p.total += runs * static_cast<long>(p.seeds.size());
    }
    p.datasets.push_back(std::move(ds));
  }
  if (c.contains("oracle")) p.oracle = parse_sdfm_oracle(c["oracle"]);
  return p;
}

namespace {

// What every model of one dataset is scored against: the split, one noise set for every coupling
// and seed, the compared test points, and the shared scoring choices.
struct Bench {
  std::string name;
  Split split;
  Mat x0;        // source noise pushed through every model
  Mat test;      // the points generated samples are compared with
  Index n_cmp = 0;  // generated points compared
  bool discrete = false;
  Mat directions;                  // 256 slicing directions
  std::vector<double> bandwidths;  // MMD bandwidths {½, 1, 2} × the test set's median distance
  Mat map_truth;                   // a Brenier target's OT map of x0, in standardised units
};

Bench make_bench(const SdfmStudySpec& p, std::size_t di) {
  const Index n_eval = p.eval.n, w2_n = p.eval.w2_n;
  const std::uint64_t base_seed = p.seed;
  const SdfmDataset& d = p.datasets[di];
  Bench b;
  b.name = d.name;
  b.split = make_split(d.split, d.target, base_seed + di);
  const Index dim = b.split.train.cols();
  Rng nrng(base_seed + di, "sdfm/eval_noise");
  b.x0 = nrng.normal(n_eval, dim);
  b.discrete = b.split.atom_weights.size() > 0;
  b.n_cmp = b.discrete ? w2_n : std::min(w2_n, b.split.test.rows());
  b.test = b.discrete ? b.split.test : b.split.test.topRows(b.n_cmp);
  b.directions = metrics::sliced_directions(dim, 256, base_seed + di);
  b.bandwidths = metrics::median_bandwidths(b.test);
  if (const auto br = std::dynamic_pointer_cast<const dist::BrenierMap>(b.split.dist))
    b.map_truth = (br->map(b.x0).rowwise() - b.split.mean.transpose()) / b.split.scale;
  return b;
}

// The sample-quality columns of generated points x (from the bench's noise x0): W2, energy,
// sliced W2², MMD², memorisation and, for a Brenier target, the map error.
void sample_metrics(const Bench& b, const Mat& x, io::Table& table) {
  const Mat gen = x.topRows(b.n_cmp);
  const metrics::W2Result w = b.discrete ? metrics::w2_exact_weighted(gen, b.test, b.split.atom_weights)
                                         : metrics::w2_exact(gen, b.test);
  table.set("w2", w.w2);
  table.set("w2sq", w.w2sq);
  table.set("energy", metrics::energy_distance(gen, b.test));
  table.set("sliced_w2sq", metrics::sliced_w2sq(gen, b.test, b.directions));
  table.set("mmd2", metrics::mmd2_unbiased(gen, b.test, b.bandwidths));
  // Memorisation needs a test set apart from the training set (a discrete target has none).
  if (!b.discrete) table.set("memorisation", metrics::memorisation_ratio(gen, b.split.train, b.test));
  if (b.map_truth.size() > 0) table.set("map_mse", (x - b.map_truth).rowwise().squaredNorm().mean());
}

// One training run: the dataset's spec with this seed and coupling, on the standardised
// training points in memory.
train::Trainer train_model(const SdfmDataset& d, const Bench& b, const json& coupling, std::uint64_t seed,
                           const std::string& label, train::TrainResult& res, const train::Objective* objective = nullptr) {
  train::TrainSpec spec = d.train;
  spec.seed = seed;
  spec.coupling = coupling;
  if (objective) {
    spec.objective = *objective;
    spec.train.precision = nn::Precision::Float64;  // meanflow has no float32 pass (train::check_precision)
  }
  train::Trainer trainer(std::move(spec), b.split.train);
  res = trainer.run("", {"fm-sdfm-study", seed});
  if (!res.ok()) runtime_error(b.name + ", coupling " + label + ", seed " + std::to_string(seed) + ": " + res.stop_reason);
  return trainer;
}

// The rows of one trained model: every solver and NFE of config.eval, each scored against the
// bench, beside the model's straightness and the training run's own figures. Returns the samples
// of the most accurate solver run (Dopri5, else the last listed), for the stored examples.
Mat score_model(const SdfmStudySpec::Eval& ev, const Bench& b, const train::TrainSpec& spec, const std::string& label, std::uint64_t seed,
                 const train::TrainResult& res, const io::Summary& ts, const field::VelocityField& v, io::Table& table) {
  const Index dim = b.split.train.cols();
  const metrics::Straightness st = metrics::straightness(v, b.x0.topRows(ev.straightness_n));
  auto row = [&](const std::string& solver, long nfe, const integrate::FlowResult& f) {
    table.add_row();
    table.set("dataset", b.name);
    table.set("dim", static_cast<long long>(dim));
    table.set("n_train", static_cast<long long>(b.split.train.rows()));
    table.set("coupling", label);
    table.set("seed", static_cast<long long>(seed));
    table.set("train_steps", static_cast<long long>(spec.train.steps));
    table.set("hidden", cfg::json(spec.model.hidden).dump());
    table.set("solver", solver);
    table.set("nfe", static_cast<long long>(nfe));
    table.set("nfe_mean", f.nfe_mean);
    sample_metrics(b, f.x, table);
    table.set("curv_ott", st.curv_ott);
    table.set("s_liu", st.s_liu);
    table.set("transport_cost", st.transport_cost);
    table.set("sample_transport_cost", (f.x - b.x0).rowwise().squaredNorm().mean());  // this solver's map
    table.set("path_energy", st.path_energy);
    training_columns(res, ts, table);
  };
  integrate::FlowOptions fo;
  Mat shown;
  for (const long n : ev.euler) {
    fo.method = integrate::Method::Euler;
    fo.nfe = n;
    auto f = integrate::integrate_flow(v, b.x0, 0, 1, fo);
    row("euler", fo.nfe, f);
    shown = std::move(f.x);
  }
  for (const long n : ev.heun) {
    fo.method = integrate::Method::Heun;
    fo.nfe = n;
    auto f = integrate::integrate_flow(v, b.x0, 0, 1, fo);
    row("heun", fo.nfe, f);
    shown = std::move(f.x);
  }
  if (ev.dopri5) {
    fo.method = integrate::Method::Dopri5;
    fo.dopri = {1e-5, 1e-5, 10000, 0};
    auto f = integrate::integrate_flow(v, b.x0, 0, 1, fo);
    row("dopri5", f.nfe_max, f);
    shown = std::move(f.x);
  }
  return shown;
}

// The mean-flow rows of one trained model: the k-step sampler at each NFE of the block, scored
// against the bench like the FM models (whose Euler rows at the same NFE sit in /summary).
void score_mean_flow(const SdfmStudySpec& p, const Bench& b, const std::string& label, const std::string& role,
                     std::uint64_t seed, const train::TrainResult& res, const io::Summary& ts, const nn::Mlp& net,
                     long long steps, io::Table& table) {
  const field::MlpMeanFlow u(std::make_shared<nn::Mlp>(net));
  for (long k : p.mean_flow.nfe) {
    const Mat x = integrate::sample_mean_flow(u, b.x0, k);
    table.add_row();
    table.set("dataset", b.name);
    table.set("dim", static_cast<long long>(b.split.train.cols()));
    table.set("coupling", label);
    table.set("role", role);
    table.set("seed", static_cast<long long>(seed));
    table.set("train_steps", steps);
    table.set("solver", "meanflow");
    table.set("nfe", static_cast<long long>(k));
    sample_metrics(b, x, table);
    training_columns(res, ts, table);
  }
}

}  // namespace

StudyTables run_sdfm_study(const SdfmStudySpec& p, io::H5File* output, StudyProgress& progress) {
  // The network-free oracle study runs first: it is short, and has its own bar.
  io::Table oracle = run_sdfm_oracle(p.oracle, p.seed);
  progress.start("SD-FM study", p.total);
  // Every training of the main and mean-flow blocks is one unit, and the units run side by side
  // (for_each_unit): a 3×64 network's kernels are too small to share among threads, its trainings
  // are not. Each unit writes its own rows, joined below in the order of the nested loops over
  // dataset, coupling and seed, so the tables do not depend on the thread count.
  std::vector<std::optional<Bench>> benches(p.datasets.size());
  struct Unit {
    std::size_t dataset, coupling, seed;  // indices into p.datasets, the block's couplings, p.seeds
    bool mean_flow;
  };
  std::vector<Unit> units;
  for (std::size_t di = 0; di < p.datasets.size(); ++di) {
    if (!p.datasets[di].selected) continue;  // its seeds are seed + di whatever else runs
    benches[di].emplace(make_bench(p, di));
    for (std::size_t ci = 0; ci < p.couplings.size(); ++ci)
      if (p.datasets[di].runs[ci])
        for (std::size_t si = 0; si < p.seeds.size(); ++si) units.push_back({di, ci, si, false});
  }
  // The mean-flow block: identical networks and steps, the mean-flow objective.
  for (std::size_t di = 0; di < p.datasets.size(); ++di)
    if (p.datasets[di].selected && p.datasets[di].mean_flow)
      for (std::size_t mi = 0; mi < p.mean_flow.couplings.size(); ++mi)
        if (p.mean_flow.selected[mi])
          for (std::size_t si = 0; si < p.seeds.size(); ++si) units.push_back({di, mi, si, true});
  std::vector<io::Table> rows(units.size());
  std::mutex output_lock;  // the HDF5 file takes one writer at a time
  for_each_unit(units.size(), [&](std::size_t k) {
    const Unit& u = units[k];
    const SdfmDataset& d = p.datasets[u.dataset];
    const Bench& b = *benches[u.dataset];
    const SdfmCoupling& cp = u.mean_flow ? p.mean_flow.couplings[u.coupling] : p.couplings[u.coupling];
    const std::uint64_t seed = p.seeds[u.seed];
    const std::string what = b.name + " " + cp.label + " seed " + std::to_string(seed);
    progress.running(what);
    train::TrainResult res;
    if (u.mean_flow) {
      const train::Trainer trainer = train_model(d, b, cp.spec, seed, cp.label, res, &p.mean_flow.objective);
      score_mean_flow(p, b, cp.label, cp.role, seed, res, trainer.summary(res), trainer.ema_mlp(), d.train.train.steps,
                      rows[k]);
    } else {
      const train::Trainer trainer = train_model(d, b, cp.spec, seed, cp.label, res);
      const field::MlpField v(std::make_shared<nn::Mlp>(trainer.ema_mlp()), field::MlpField::Output::Direct,
                              trainer.spec().train.precision);  // sampled as trained
      const Mat shown = score_model(p.eval, b, d.train, cp.label, seed, res, trainer.summary(res), v, rows[k]);
      if (output) {
        const std::lock_guard<std::mutex> hold(output_lock);
        store_examples(*output, {u.dataset, u.coupling, b.name, cp.label, cp.role, seed, u.seed == 0}, trainer, v,
                       b.x0, shown, b.split.mean, b.split.scale);
      }
    }
    progress.done(what);
  });
  io::Table table, mf_table;
  for (std::size_t k = 0; k < units.size(); ++k) (units[k].mean_flow ? mf_table : table).append(rows[k]);
  io::Table cd_table, sr_table;
  // The blocks tell the study's bar what runs before each training and count it when done.
  if (p.conditional) cd_table = run_sdfm_conditional(*p.conditional, p.seeds, p.seed, output, progress);
  if (p.superres) sr_table = run_sdfm_superres(*p.superres, p.seeds, p.seed, output, progress);
  progress.finish();
  StudyTables out{std::move(table), {}};
  if (mf_table.rows() > 0) out.extra.emplace_back("mean_flow", std::move(mf_table));
  if (cd_table.rows() > 0) out.extra.emplace_back("conditional", std::move(cd_table));
  if (sr_table.rows() > 0) out.extra.emplace_back("super_resolution", std::move(sr_table));
  if (oracle.rows() > 0) out.extra.emplace_back("oracle", std::move(oracle));
  return out;
}

}  // namespace fm::study
