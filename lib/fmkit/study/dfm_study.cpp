#include "fmkit/study/dfm_study.hpp"

#include <set>

#include <cmath>
#include <map>
#include <variant>

#include "fmkit/bounds/dfm_evaluate.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/train/train_spec.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {
namespace {

using cfg::json;

const std::vector<std::string> kBlockKeys = {"experiment", "family", "problem", "sigma2", "grid", "steps", "delta",
                                             "perturbation", "eps", "dim", "rho", "paths", "kl_method",
                                             "path_method", "learned"};

// A list-valued key (a scalar is a one-element list), or `def`.
json list(const json& b, const std::string& key, const json& def, const std::string& where) {
  if (!b.contains(key)) return def;
  const json& v = b[key];
  if (v.is_array()) {
    if (v.empty()) usage_error(where + "." + key + ": expected a non-empty list");
    return v;
  }
  return json::array({v});
}

// The training spec of one learned variant, parsed (and so checked) as fm-train would parse it.
train::TrainSpec drift_spec(const json& problem_spec, double sigma2, const json& learned, const json& variant,
                            std::uint64_t seed, const std::string& where) {
  cfg::expect_keys(variant, where, {"label", "t_max", "parametrization", "weighting"});
  json c = train::train_defaults();
  c["seed"] = seed;
  c["target"] = cfg::at(problem_spec, "target", where);
  if (problem_spec.contains("source")) c["source"] = problem_spec["source"];
  c["objective"] = {{"type", "dfm"},
                    {"sigma2", sigma2},
                    {"t_max", cfg::number_or(variant, "t_max", 0.999, where)},
                    {"parametrization", cfg::string_or(variant, "parametrization", "drift", where)},
                    {"weighting", cfg::string_or(variant, "weighting", "uniform", where)}};
  c["model"]["hidden"] = learned.at("hidden");
  json& t = c["train"];
  t["steps"] = learned.at("steps");
  t["batch"] = learned.at("batch");
  t["lr"] = learned.at("lr");
  t["ema"] = 0.0;
  t["eval_every"] = std::max<long long>(1, cfg::integer(learned, "steps", where) / 4);
  train::TrainSpec spec = train::parse_train_spec(c);
  spec.config = nullptr;
  return spec;
}

// A learned drift (theory/dfm.md §7 E7): an MLP trained by fm-train's DFM objective on the
// problem's target, with its training excess risk ∫ E‖s − b‖² dt/t_max (t ~ U[0, t_max]).
struct Learned {
  field::FieldPtr drift;
  double val_loss = 0, excess_risk = 0;
  long steps = 0;
};

Learned train_drift(const train::TrainSpec& spec, const bounds::DfmProblem& p, const std::string& where) {
  train::Trainer tr(spec);
  const std::uint64_t seed = spec.seed;
  const train::TrainResult r = tr.run("", {"fm-dfm-study", seed});
  if (!r.ok()) runtime_error(where + ", seed " + std::to_string(seed) + ": " + r.stop_reason);
  Learned out;
  const auto net = std::make_shared<nn::Mlp>(tr.mlp());
  out.drift = std::make_shared<field::MlpField>(
      net, tr.spec().objective.parametrization == "denoiser" ? field::MlpField::Output::Denoiser
                                                           : field::MlpField::Output::Direct);
  out.val_loss = r.val_loss;
  out.steps = r.steps;
  // Excess risk over the training time law, against the exact drift.
  const double tmax = tr.spec().objective.t_max;
  const field::MixturePathField b(p.path, path::FieldKind::Drift);
  Rng rng(seed, "dfm-study/excess", 0);
  const Index n = 20000;
  Vec tv(n);
  for (Index i = 0; i < n; ++i) tv[i] = tmax * rng.uniform();
  const Mat x = p.path->sample_rows(tv, rng);
  Derivs sv, bv;
  out.drift->evaluate_rows(x, tv, kValue, sv);
  b.evaluate_rows(x, tv, kValue, bv);
  out.excess_risk = (sv.value - bv.value).rowwise().squaredNorm().mean();
  return out;
}

}  // namespace

json dfm_study_defaults() {
  return json::parse(R"({
    "seed": 12345,
    "paths": 2000,
    "moment_samples": 200000,
    "eps_samples": 20000,
    "experiments": []
  })");
}

std::set<std::string> dfm_study_opaque() { return {"experiments"}; }

namespace {

// One combination of a block's lists, as written in the config.
struct Case {
  std::size_t block;
  json problem;
  double sigma2;
  std::string grid;
  long steps;
  double delta;
  std::string perturbation;
  double eps;
  long long dim;
  double rho;
  long variant;  // index into learned.variants, or −1
};
// Every block expanded into its cases (so the progress bar knows the total), with the counts and
// types of every list checked on the way.
std::vector<Case> expand_cases(const json& config) {
  cfg::expect_keys(config, "config", {"seed", "paths", "moment_samples", "eps_samples", "experiments"});
  cfg::integer(config, "seed", "config");
  cfg::count(config, "paths", "config", 2, cfg::kMaxPoints);
  cfg::count(config, "moment_samples", "config", 2, cfg::kMaxPoints);
  cfg::count(config, "eps_samples", "config", 2, cfg::kMaxPoints);
  const json& blocks = cfg::at(config, "experiments", "config");
  if (!blocks.is_array()) usage_error("config.experiments: expected a list of experiment blocks");
  std::vector<Case> cases;
  for (std::size_t bi = 0; bi < blocks.size(); ++bi) {
    const json& b = blocks[bi];
    const std::string w = "config.experiments[" + std::to_string(bi) + "]";
    cfg::expect_keys(b, w, kBlockKeys);
    cfg::string(b, "experiment", w);
    cfg::string(b, "family", w);
    const json& problem = cfg::at(b, "problem", w);
    const json nan = json::array({nullptr});
    const long nvariants = b.contains("learned")
                               ? static_cast<long>(cfg::at(b["learned"], "variants", w + ".learned").size())
                               : 0;
    const json eps_list = list(b, "eps", json::array({0.0}), w);
    for (const auto& s2 : list(b, "sigma2", json::array({1.0}), w))
      for (const auto& g : list(b, "grid", json::array({"G1"}), w))
        for (const auto& n : cfg::at(b, "steps", w))
          for (const auto& de : list(b, "delta", json::array({0.0}), w))
            for (const auto& pt : list(b, "perturbation", json::array({"none"}), w))
              for (const auto& e : eps_list) {
                // The exact drift has no ε: one case, not one per listed ε.
                if (pt == "none" && e != eps_list[0]) continue;
                for (const auto& dm : list(b, "dim", nan, w))
                  for (const auto& rh : list(b, "rho", nan, w))
                    for (long v = nvariants ? 0 : -1; v < std::max(nvariants, 0L); ++v) {
                      if (v < 0 && nvariants) break;
                      json pr = problem;
                      if (!rh.is_null()) pr["coupling"] = {{"type", "gaussian"}, {"rho", rh}};
                      const auto num = [&](const json& x, const char* k) {
                        return cfg::number({{k, x}}, k, w);
                      };
                      if (!g.is_string()) usage_error(w + ".grid: expected G1, G2, G2u or G3");
                      if (!pt.is_string()) usage_error(w + ".perturbation: expected a perturbation name");
                      const long steps = static_cast<long>(cfg::as_count(n, w + ".steps", 1, cfg::kMaxSteps));
                      const long long dim = dm.is_null() ? 0 : cfg::as_count(dm, w + ".dim", 1, cfg::kMaxDim);
                      if (dim) pr["dim"] = dim;
                      cases.push_back({bi, pr, num(s2, "sigma2"), g.get<std::string>(), steps, num(de, "delta"),
                                       pt.get<std::string>(), pt == "none" ? 0.0 : num(e, "eps"), dim,
                                       rh.is_null() ? 0.0 : num(rh, "rho"), v});
                      if (v < 0) break;
                    }
              }
    if (b.contains("paths")) cfg::count(b, "paths", w, 2, cfg::kMaxPoints);
    if (b.contains("learned")) {
      const json& L = b["learned"];
      cfg::expect_keys(L, w + ".learned", {"variants", "hidden", "steps", "batch", "lr"});
      cfg::count(L, "steps", w + ".learned", 1, cfg::kMaxSteps);
      cfg::count(L, "batch", w + ".learned", 1, cfg::kMaxPoints);
      for (std::size_t vi = 0; vi < L["variants"].size(); ++vi)
        cfg::string(L["variants"][vi], "label", w + ".learned.variants[" + std::to_string(vi) + "]");
    }
  }
  return cases;
}

}  // namespace

DfmStudySpec parse_dfm_study(const json& config) {
  const std::vector<Case> cases = expand_cases(config);
  const json& blocks = config["experiments"];
  DfmStudySpec spec;
  spec.seed = static_cast<std::uint64_t>(cfg::integer(config, "seed", "config"));
  spec.moment_samples = cfg::integer(config, "moment_samples", "config");
  std::map<std::string, std::size_t> problem_index;  // a problem shared by many cases is built once
  for (const Case& c : cases) {
    const json& b = blocks[c.block];
    const std::string w = "config.experiments[" + std::to_string(c.block) + "]";
    if (!(c.sigma2 > 0)) usage_error(w + ".sigma2: expected a number > 0");
    if (!(c.delta >= 0 && c.delta < 0.5)) usage_error(w + ".delta: expected 0 <= delta < 1/2");
    if (c.grid != "G1" && c.grid != "G2" && c.grid != "G2u" && c.grid != "G3")
      usage_error(w + ".grid: expected G1, G2, G2u or G3, got '" + c.grid + "'");
    DfmCase d;
    d.block = c.block;
    d.experiment = b["experiment"].get<std::string>();
    d.family = b["family"].get<std::string>();
    d.perturbation = c.perturbation;
    d.eps = c.eps;
    d.rho = c.rho;
    const std::string key = c.problem.dump() + "|" + std::to_string(c.sigma2);
    auto it = problem_index.find(key);
    if (it == problem_index.end()) {
      it = problem_index.emplace(key, spec.problems.size()).first;
      spec.problems.push_back(bounds::make_dfm_problem(c.problem, c.sigma2, w + ".problem"));
    }
    d.problem = it->second;
    const bounds::DfmProblem& problem = spec.problems[d.problem];
    if (c.perturbation != "none")
      d.drift = bounds::parse_dfm_perturbation({{"type", c.perturbation}, {"eps", c.eps}}, problem.dim,
                                               w + ".perturbation");
    d.options.grid = c.grid;
    d.options.steps = c.steps;
    d.options.delta = c.delta;
    d.options.kl_method = cfg::string_or(b, "kl_method", "auto", w);
    d.options.path_method = cfg::string_or(b, "path_method", "auto", w);
    static const std::set<std::string> kl_methods{"auto", "gaussian", "separable", "grid", "none"},
        path_methods{"auto", "gaussian", "separable", "monte_carlo", "none"};
    if (!kl_methods.count(d.options.kl_method))
      usage_error(w + ".kl_method: expected auto, gaussian, separable, grid or none, got '" + d.options.kl_method + "'");
    if (!path_methods.count(d.options.path_method))
      usage_error(w + ".path_method: expected auto, gaussian, separable, monte_carlo or none, got '" +
                  d.options.path_method + "'");
    d.options.mc.paths = cfg::integer_or(b, "paths", cfg::integer(config, "paths", "config"), w);
    d.options.eps_samples = cfg::integer(config, "eps_samples", "config");
    d.options.seed = spec.seed;
    d.options.validate();  // the checks above name the config's keys; this is the library's own
    if (c.variant >= 0) {  // the learned drift's training spec, checked as fm-train would
      const json& L = b["learned"];
      const std::string wv = w + ".learned.variants[" + std::to_string(c.variant) + "]";
      const json& v = L["variants"][static_cast<std::size_t>(c.variant)];
      d.learned = drift_spec(c.problem, c.sigma2, L, v, spec.seed, wv);
      d.variant = key + "|" + std::to_string(c.block) + "|" + std::to_string(c.variant);
      d.variant_label = cfg::string(v, "label", wv);
    }
    spec.cases.push_back(std::move(d));
  }
  return spec;
}

StudyTables run_dfm_study(const DfmStudySpec& spec, io::H5File* /*output: tables only*/, StudyProgress& progress) {
  io::Table table;
  std::map<std::size_t, bounds::DfmMoments> moments;  // per problem, on first use
  std::map<std::string, Learned> learned;             // per learned variant, on first use
  progress.start("DFM study", static_cast<long>(spec.cases.size()));
  for (const DfmCase& c : spec.cases) {
    const std::string w = "config.experiments[" + std::to_string(c.block) + "]";
    const std::string what = c.experiment + " " + c.options.grid + " N=" + std::to_string(c.options.steps) + " " +
                             c.perturbation;
    progress.running(what);
    const bounds::DfmProblem& problem = spec.problems[c.problem];
    auto it = moments.find(c.problem);
    if (it == moments.end())
      it = moments.emplace(c.problem, bounds::dfm_moments(*problem.path, spec.moment_samples, spec.seed)).first;
    bounds::DfmDrift drift = c.drift;
    const Learned* lrn = nullptr;
    if (c.learned) {
      auto lt = learned.find(c.variant);
      if (lt == learned.end()) lt = learned.emplace(c.variant, train_drift(*c.learned, problem, w + ".learned.variants")).first;
      lrn = &lt->second;
      drift.model = lrn->drift;
    }
    const io::Summary r = bounds::evaluate_dfm(problem, drift, it->second, c.options);
    table.add_row();
    table.set("experiment", c.experiment);
    table.set("family", c.family);
    table.set("perturbation", c.perturbation);
    table.set("eps_requested", c.eps);
    table.set("rho", c.rho);
    table.set("variant", c.variant_label);
    if (lrn) {
      table.set("val_loss", lrn->val_loss);
      table.set("excess_risk", lrn->excess_risk);
      table.set("train_steps", static_cast<long long>(lrn->steps));
    }
    for (const auto& [name, value] : r.items()) std::visit([&](const auto& v) { table.set(name, v); }, value);
    progress.done(what);
  }
  progress.finish();
  return {std::move(table), {}};
}

}  // namespace fm::study
