#include "fmkit/study/sdfm_study.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "fmkit/core/error.hpp"
#include "fmkit/coupling/make_coupling.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/core/rng.hpp"
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

// What the validating pass resolves once: coupling labels and which run where, each dataset's
// distribution and training recipe, and the number of training runs.
struct Plan {
  std::vector<std::string> labels, names;
  std::vector<bool> coupling_selected, selected;
  std::vector<dist::DistributionPtr> targets;
  std::vector<train::TrainSpec> specs;  // each dataset's training spec (seed and coupling set per run)
  long total = 0;
  // The mean-flow block (config.mean_flow): its couplings, which run, on which datasets, the
  // objective and the NFE.
  std::vector<std::string> mf_labels, mf_roles;
  std::vector<bool> mf_selected;
  std::vector<bool> mf_dataset;  // per config.datasets entry
  train::Objective mf_objective;
  std::vector<long> mf_nfe;
  std::optional<ConditionalPlan> conditional;  // config.conditional
  std::optional<SuperResPlan> superres;         // config.super_resolution
  bool runs_coupling(const json& d, std::size_t ci) const {
    if (!coupling_selected[ci]) return false;
    if (!d.contains("couplings")) return true;
    for (const auto& l : d["couplings"])
      if (l == labels[ci]) return true;
    return false;
  }
};

Plan plan_sdfm_study(const json& c) {
  cfg::expect_keys(c, "config",
                   {"seed", "seeds", "only", "only_couplings", "train", "eval", "datasets", "couplings", "mean_flow",
                    "conditional", "super_resolution", "oracle"});
  const json& tr = c["train"];
  const json& ev = c["eval"];
  cfg::expect_keys(tr, "train", {"steps", "batch", "hidden", "lr", "ema", "time_embedding", "precision"});
  dataset_train(tr, json::object(), "config");  // config.train itself first, so its errors name it
  cfg::expect_keys(ev, "eval", {"n", "w2_n", "euler", "heun", "dopri5", "straightness_n"});
  cfg::integer(c, "seed", "config");
  if (!c["seeds"].is_array() || c["seeds"].empty()) usage_error("config.seeds: expected a non-empty list of seeds");
  for (std::size_t i = 0; i < c["seeds"].size(); ++i)
    cfg::as_count(c["seeds"][i], "config.seeds[" + std::to_string(i) + "]", 0, INT64_MAX);
  if (!c["datasets"].is_array() || c["datasets"].empty()) usage_error("config.datasets: expected a non-empty list");
  if (!c["couplings"].is_array() || c["couplings"].empty()) usage_error("config.couplings: expected a non-empty list");
  const Index n_eval = cfg::count(ev, "n", "eval", 2, cfg::kMaxPoints);
  const Index w2_n = cfg::count(ev, "w2_n", "eval", 2, cfg::kMaxPoints);
  if (w2_n > n_eval) usage_error("eval.w2_n: must not exceed eval.n");
  const Index st_n = cfg::count(ev, "straightness_n", "eval", 1, cfg::kMaxPoints);
  if (st_n > n_eval) usage_error("eval.straightness_n: must not exceed eval.n");
  for (const char* k : {"euler", "heun"}) {
    const json& l = cfg::at(ev, k, "eval");
    if (!l.is_array()) usage_error(std::string("eval.") + k + ": expected a list of step counts");
    for (std::size_t i = 0; i < l.size(); ++i)
      cfg::as_count(l[i], std::string("eval.") + k + "[" + std::to_string(i) + "]", 1, cfg::kMaxGrid);
  }
  cfg::boolean_or(ev, "dopri5", true, "eval");
  Plan p;
  // One pass over the datasets before any work, so a typo in the last one fails at once: keys,
  // the distribution (built once, reused below) and the optional coupling subset (the quick
  // config's budget: a dataset may run only some couplings, by label).
  std::vector<std::string>& label_list = p.labels;
  for (std::size_t ci = 0; ci < c["couplings"].size(); ++ci) {
    const std::string wc = "config.couplings[" + std::to_string(ci) + "]";
    cfg::expect_keys(c["couplings"][ci], wc, {"label", "spec", "role"});
    // The role a coupling plays in the paper's claims (experiments/claims/sdfm_claims.py reads it
    // from the stored config); a label is a name for people, never matched by the claims.
    if (c["couplings"][ci].contains("role")) {
      static const std::vector<std::string> roles{"independent", "ot_small_batch", "ot_smaller_batch", "ot_sinkhorn",
                                                  "ot_sinkhorn_small_eps", "ot_large_batch", "sd", "sd_eps",
                                                  "sd_chi2_level"};
      const std::string role = cfg::string(c["couplings"][ci], "role", wc);
      if (std::find(roles.begin(), roles.end(), role) == roles.end())
        usage_error(wc + ".role: unknown role '" + role + "' (see experiments/claims/sdfm_claims.py)");
    }
    coupling::validate_coupling_spec(cfg::at(c["couplings"][ci], "spec", wc), wc + ".spec");
    label_list.push_back(cfg::string(c["couplings"][ci], "label", wc));
  }
  // The mean-flow block's couplings share the label namespace (and only_couplings) with the rest.
  const json& mf = c["mean_flow"];
  if (!mf.is_null()) {
    const std::string wm = "config.mean_flow";
    cfg::expect_keys(mf, wm, {"datasets", "couplings", "nfe", "objective"});
    p.mf_objective = train::Objective::parse(cfg::at(mf, "objective", wm), wm + ".objective");
    if (p.mf_objective.type != "meanflow") usage_error(wm + ".objective.type: expected meanflow");
    const json& nfe = cfg::at(mf, "nfe", wm);
    if (!nfe.is_array() || nfe.empty()) usage_error(wm + ".nfe: expected a non-empty list of step counts");
    for (std::size_t i = 0; i < nfe.size(); ++i)
      p.mf_nfe.push_back(static_cast<long>(cfg::as_count(nfe[i], wm + ".nfe[" + std::to_string(i) + "]", 1, 1024)));
    const json& cps = cfg::at(mf, "couplings", wm);
    if (!cps.is_array() || cps.empty()) usage_error(wm + ".couplings: expected a non-empty list");
    for (std::size_t i = 0; i < cps.size(); ++i) {
      const std::string wc = wm + ".couplings[" + std::to_string(i) + "]";
      cfg::expect_keys(cps[i], wc, {"label", "spec", "role"});
      const std::string role = cfg::string(cps[i], "role", wc);
      if (role != "independent" && role != "sd")
        usage_error(wc + ".role: expected independent or sd (the roles claims MF1 and MF2 compare)");
      coupling::validate_coupling_spec(cfg::at(cps[i], "spec", wc), wc + ".spec");
      const std::string label = cfg::string(cps[i], "label", wc);
      if (std::find(label_list.begin(), label_list.end(), label) != label_list.end() ||
          std::find(p.mf_labels.begin(), p.mf_labels.end(), label) != p.mf_labels.end())
        usage_error(wc + ".label: '" + label + "' is already the label of another coupling");
      p.mf_labels.push_back(label);
      p.mf_roles.push_back(role);
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
  all_labels.insert(all_labels.end(), p.mf_labels.begin(), p.mf_labels.end());
  all_labels.insert(all_labels.end(), cd_labels.begin(), cd_labels.end());
  all_labels.insert(all_labels.end(), sr_labels.begin(), sr_labels.end());
  const std::vector<bool> picked =
      select_by_name(c["only_couplings"], "config.only_couplings", all_labels, "config.couplings", "label");
  const auto n_main = static_cast<long>(label_list.size()), n_mf = static_cast<long>(p.mf_labels.size());
  p.coupling_selected.assign(picked.begin(), picked.begin() + n_main);
  p.mf_selected.assign(picked.begin() + n_main, picked.begin() + n_main + n_mf);
  std::vector<std::string>& names = p.names;
  for (std::size_t di = 0; di < c["datasets"].size(); ++di)
    names.push_back(cfg::string(c["datasets"][di], "name", "config.datasets[" + std::to_string(di) + "]"));
  std::vector<std::string> all_names = names;
  all_names.insert(all_names.end(), cd_names.begin(), cd_names.end());
  all_names.insert(all_names.end(), sr_names.begin(), sr_names.end());
  const std::vector<bool> chosen = select_by_name(c["only"], "config.only", all_names, "config.datasets");
  p.selected.assign(chosen.begin(), chosen.begin() + static_cast<long>(names.size()));
  const auto n_cd = static_cast<long>(cd_labels.size()), n_names = static_cast<long>(names.size()),
             n_cd_names = static_cast<long>(cd_names.size());
  if (p.superres) {
    p.superres->coupling_selected.assign(picked.begin() + n_main + n_mf + n_cd, picked.end());
    p.superres->dataset_selected.assign(chosen.begin() + n_names + n_cd_names, chosen.end());
    const long runs = superres_runs(*p.superres, c["seeds"].size());
    const bool any_dataset = std::find(p.superres->dataset_selected.begin(), p.superres->dataset_selected.end(), true) !=
                             p.superres->dataset_selected.end();
    if (any_dataset && runs == 0)
      usage_error("config.only_couplings: selects none of the couplings of config.super_resolution");
    p.total += runs;
  }
  if (p.conditional) {
    p.conditional->coupling_selected.assign(picked.begin() + n_main + n_mf, picked.begin() + n_main + n_mf + n_cd);
    p.conditional->dataset_selected.assign(chosen.begin() + n_names, chosen.begin() + n_names + n_cd_names);
    const long runs = conditional_runs(*p.conditional, c["seeds"].size());
    const bool any_dataset = std::find(p.conditional->dataset_selected.begin(), p.conditional->dataset_selected.end(),
                                       true) != p.conditional->dataset_selected.end();
    if (any_dataset && runs == 0)
      usage_error("config.only_couplings: selects none of the couplings of config.conditional");
    p.total += runs;
  }
  p.mf_dataset.assign(names.size(), false);
  if (!mf.is_null()) {
    const json& ds = cfg::at(mf, "datasets", "config.mean_flow");
    if (!ds.is_array() || ds.empty()) usage_error("config.mean_flow.datasets: expected a non-empty list of dataset names");
    for (const auto& n : ds) {
      const auto it = n.is_string() ? std::find(names.begin(), names.end(), n.get<std::string>()) : names.end();
      if (it == names.end())
        usage_error("config.mean_flow.datasets: '" + (n.is_string() ? n.get<std::string>() : n.dump()) +
                    "' is not the name of a dataset in config.datasets");
      p.mf_dataset[static_cast<std::size_t>(it - names.begin())] = true;
    }
  }
  for (std::size_t di = 0; di < c["datasets"].size(); ++di) {
    const json& d = c["datasets"][di];
    const std::string wd = "config.datasets[" + std::to_string(di) + "]";
    cfg::expect_keys(d, wd, {"name", "target", "n_train", "n_test", "couplings", "train"});
    p.specs.push_back(dataset_train(tr, d, wd));
    p.targets.push_back(dist::make_distribution(cfg::at(d, "target", wd), wd + ".target"));
    if (d.contains("n_train")) cfg::count(d, "n_train", wd, 2, cfg::kMaxPoints);
    if (d.contains("n_test")) cfg::count(d, "n_test", wd, 1, cfg::kMaxPoints);
    if (d.contains("couplings")) {
      if (!d["couplings"].is_array() || d["couplings"].empty())
        usage_error(wd + ".couplings: expected a non-empty list of coupling labels");
      for (const auto& l : d["couplings"])
        if (!l.is_string() || std::find(label_list.begin(), label_list.end(), l.get<std::string>()) == label_list.end())
          usage_error(wd + ".couplings: '" + (l.is_string() ? l.get<std::string>() : l.dump()) +
                      "' is not the label of a coupling in config.couplings");
    }
    if (!p.selected[di]) continue;
    long runs = 0;
    for (std::size_t ci = 0; ci < label_list.size(); ++ci) runs += p.runs_coupling(d, ci) ? 1 : 0;
    if (p.mf_dataset[di])
      for (std::size_t mi = 0; mi < p.mf_labels.size(); ++mi) runs += p.mf_selected[mi] ? 1 : 0;
    // An empty intersection is a mis-split sweep, not a run with nothing to report.
    if (runs == 0)
      usage_error("config.only_couplings: selects none of the couplings dataset '" + names[di] + "' runs");
    p.total += runs * static_cast<long>(c["seeds"].size());
  }
  if (c.contains("oracle")) validate_sdfm_oracle(c["oracle"]);
  return p;
}

}  // namespace

void validate_sdfm_study(const json& c) { plan_sdfm_study(c); }

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

Bench make_bench(const json& c, const Plan& p, std::size_t di, std::uint64_t base_seed) {
  const json& ev = c["eval"];
  const Index n_eval = cfg::integer(ev, "n", "eval"), w2_n = cfg::integer(ev, "w2_n", "eval");
  Bench b;
  b.name = p.names[di];
  b.split = make_split(c["datasets"][di], p.targets[di], base_seed + di, "config.datasets[" + std::to_string(di) + "]");
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
train::Trainer train_model(const Plan& p, std::size_t di, const Bench& b, const json& coupling, std::uint64_t seed,
                           const std::string& label, train::TrainResult& res, const train::Objective* objective = nullptr) {
  train::TrainSpec spec = p.specs[di];
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
Mat score_model(const json& ev, const Bench& b, const train::TrainSpec& spec, const std::string& label, std::uint64_t seed,
                 const train::TrainResult& res, const io::Summary& ts, const field::VelocityField& v, io::Table& table) {
  const Index dim = b.split.train.cols();
  const metrics::Straightness st = metrics::straightness(v, b.x0.topRows(cfg::integer(ev, "straightness_n", "eval")));
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
  for (const auto& n : ev["euler"]) {
    fo.method = integrate::Method::Euler;
    fo.nfe = n.get<long>();
    auto f = integrate::integrate_flow(v, b.x0, 0, 1, fo);
    row("euler", fo.nfe, f);
    shown = std::move(f.x);
  }
  for (const auto& n : ev["heun"]) {
    fo.method = integrate::Method::Heun;
    fo.nfe = n.get<long>();
    auto f = integrate::integrate_flow(v, b.x0, 0, 1, fo);
    row("heun", fo.nfe, f);
    shown = std::move(f.x);
  }
  if (cfg::boolean_or(ev, "dopri5", true, "eval")) {
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
void score_mean_flow(const Plan& p, const Bench& b, const std::string& label, const std::string& role,
                     std::uint64_t seed, const train::TrainResult& res, const io::Summary& ts, const nn::Mlp& net,
                     long long steps, io::Table& table) {
  const field::MlpMeanFlow u(std::make_shared<nn::Mlp>(net));
  for (long k : p.mf_nfe) {
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

StudyTables run_sdfm_study(const json& c, io::H5File* output) {
  const Plan p = plan_sdfm_study(c);
  const auto base_seed = static_cast<std::uint64_t>(cfg::integer(c, "seed", "config"));
  // The network-free oracle study runs first: it is short, and its config errors surface at once.
  io::Table oracle = c.contains("oracle") ? run_sdfm_oracle(c["oracle"], base_seed) : io::Table{};
  Progress bar("SD-FM study", p.total);
  long done = 0;
  io::Table table, mf_table;
  for (std::size_t di = 0; di < c["datasets"].size(); ++di) {
    if (!p.selected[di]) continue;  // its seeds are base_seed + di whatever else runs
    const Bench b = make_bench(c, p, di, base_seed);
    for (std::size_t ci = 0; ci < c["couplings"].size(); ++ci) {
      if (!p.runs_coupling(c["datasets"][di], ci)) continue;
      const std::string& label = p.labels[ci];
      for (const auto& sj : c["seeds"]) {
        const auto seed = static_cast<std::uint64_t>(sj.get<long long>());
        bar.update(done, b.name + " " + label + " seed " + std::to_string(seed));  // what runs, for the inner bars
        train::TrainResult res;
        const train::Trainer trainer = train_model(p, di, b, c["couplings"][ci].at("spec"), seed, label, res);
        const field::MlpField v(std::make_shared<nn::Mlp>(trainer.ema_mlp()), field::MlpField::Output::Direct,
                                trainer.spec().train.precision);  // sampled as trained
        const Mat shown = score_model(c["eval"], b, p.specs[di], label, seed, res, trainer.summary(res), v, table);
        if (output)
          store_examples(*output, {di, ci, b.name, label, c["couplings"][ci].value("role", ""), seed, &sj == &c["seeds"].front()},
                         trainer, v, b.x0, shown, b.split.mean, b.split.scale);
        bar.update(++done, b.name + " " + label + " seed " + std::to_string(seed) + " done");
      }
    }
    if (!p.mf_dataset[di]) continue;
    // The mean-flow block: identical networks and steps, the mean-flow objective.
    for (std::size_t mi = 0; mi < p.mf_labels.size(); ++mi) {
      if (!p.mf_selected[mi]) continue;
      for (const auto& sj : c["seeds"]) {
        const auto seed = static_cast<std::uint64_t>(sj.get<long long>());
        bar.update(done, b.name + " " + p.mf_labels[mi] + " seed " + std::to_string(seed));
        train::TrainResult res;
        const train::Trainer trainer = train_model(p, di, b, c["mean_flow"]["couplings"][mi].at("spec"), seed,
                                                   p.mf_labels[mi], res, &p.mf_objective);
        score_mean_flow(p, b, p.mf_labels[mi], p.mf_roles[mi], seed, res, trainer.summary(res), trainer.ema_mlp(),
                        p.specs[di].train.steps, mf_table);
        bar.update(++done, b.name + " " + p.mf_labels[mi] + " seed " + std::to_string(seed) + " done");
      }
    }
  }
  io::Table cd_table, sr_table;
  // The blocks say what runs before each training (for the inner bars) and count it when done.
  const StudyProgress block_progress = [&](const std::string& what, bool finished) {
    bar.update(finished ? ++done : done, finished ? what + " done" : what);
  };
  if (p.conditional)
    cd_table = run_sdfm_conditional(c["conditional"], *p.conditional, c["seeds"], base_seed, output, block_progress);
  if (p.superres)
    sr_table = run_sdfm_superres(c["super_resolution"], *p.superres, c["seeds"], base_seed, output, block_progress);
  bar.finish();
  StudyTables out{std::move(table), {}};
  if (mf_table.rows() > 0) out.extra.emplace_back("mean_flow", std::move(mf_table));
  if (cd_table.rows() > 0) out.extra.emplace_back("conditional", std::move(cd_table));
  if (sr_table.rows() > 0) out.extra.emplace_back("super_resolution", std::move(sr_table));
  if (oracle.rows() > 0) out.extra.emplace_back("oracle", std::move(oracle));
  return out;
}

}  // namespace fm::study
