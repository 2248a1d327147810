// fm-bound: bound calculators. `kl` from given constants, or with every constant estimated from a
// model against the true path of a target (theory/kl_bound.md §2); `dfm`: the explicit chain,
// brackets and measured KLs of Euler–Maruyama sampling of a Brownian-bridge path (theory/dfm.md §6).
// Thin shell over lib/fmkit/bounds.
#include <cmath>
#include <cstdio>
#include <functional>
#include <variant>
#include <iostream>

#include "fmkit/bounds/dfm_evaluate.hpp"
#include "fmkit/bounds/kl_estimators.hpp"
#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/load_model.hpp"
#include "fmkit/core/output_path.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/io/summary.hpp"
#include "fmkit/metrics/monte_carlo.hpp"

namespace {

// A spec given inline ('{...}') or as a file path.
fm::cfg::json spec_arg(const std::string& s, const std::string& flag) {
  if (!s.empty() && s.front() == '{') return fm::cfg::parse(s, flag);
  if (s.size() > 3 && s.compare(s.size() - 3, 3, ".h5") == 0) return s;
  return fm::cfg::load_file(s, flag);
}

void print_table(const fm::io::Summary& s) {
  const auto j = s.to_json();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_number())
      std::printf("%-22s %.6g\n", it.key().c_str(), it.value().get<double>());
    else if (!it.value().is_null())
      std::printf("%-22s %s\n", it.key().c_str(), it.value().dump().c_str());
  }
}

struct DfmFlags {
  std::string target, source, coupling, perturbation, model, grid = "G1", kl_method = "auto", path_method = "auto";
  double sigma2 = NAN, delta = 0, eps2 = NAN, constant = 1, target_kl = NAN, box = 0;
  bool constant_given = false;
  long long steps = 0, dim = 0, seed = 12345, paths = 4000, moment_samples = 1000000, eps_samples = 20000;
};

void add_dfm_flags(CLI::App& a, DfmFlags& f) {
  a.add_option("--target", f.target, "target: gaussian, gmm, point or separable_gmm spec (file or inline JSON)")->required();
  a.add_option("--source", f.source, "source spec (default N(0, I))");
  a.add_option("--coupling", f.coupling, "coupling spec: independent (default), gaussian (cross_cov | rho), blocks");
  a.add_option("--dim", f.dim, "dimension: broadcasts one-entry means of gaussian/point specs (isotropic families)")->check(CLI::Range(0LL, fm::cfg::kMaxDim));
  a.add_option("--sigma2", f.sigma2, "bridge noise sigma^2 > 0")->check(fm::finite_number())->required();
  a.add_option("--grid", f.grid, "time grid: G1 (uniform), G2 / G2u (uniform, early stopping), G3 (geometric)");
  a.add_option("--steps", f.steps, "N for G1/G2/G2u; M (uniform steps to 1/2, h = 1/(2M)) for G3")->check(CLI::Range(1LL, fm::cfg::kMaxGrid))->required();
  a.add_option("--delta", f.delta, "early stopping: T = 1 - delta, 0 < delta < 1/2 (G2, G2u, G3)")->check(fm::finite_number());
  a.add_option("--eps2", f.eps2, "drift error eps^2 on the grid: calibrates --perturbation, or a constant shift")->check(fm::finite_number());
  a.add_option("--perturbation", f.perturbation, "drift perturbation spec: constant, linear, sine, time_local, sin_x");
  a.add_option("--model", f.model, "a learned drift: fm-train run (.h5, objective dfm) or analytic bridge spec");
  a.add_option("--constant", f.constant, "universal constant C for the step complexity (default 1, flagged as assumed)")
      ->check(fm::finite_number())
      ->each([&f](const std::string&) { f.constant_given = true; });
  a.add_option("--target-kl", f.target_kl, "target KL eta: print the number of steps each bracket needs")->check(fm::finite_number());
  a.add_option("--kl-method", f.kl_method, "KL_marg: auto, gaussian, separable, grid or none");
  a.add_option("--path-method", f.path_method, "KL_path: auto, gaussian, monte_carlo or none");
  a.add_option("--paths", f.paths, "Monte-Carlo paths for KL_path (default 4000)")->check(CLI::Range(2LL, fm::cfg::kMaxPoints));
  a.add_option("--moment-samples", f.moment_samples, "Monte-Carlo samples for mixture score moments (default 1e6)")->check(CLI::Range(2LL, fm::cfg::kMaxPoints));
  a.add_option("--eps-samples", f.eps_samples, "samples per grid time for a learned drift's eps^2 (default 20000)")->check(CLI::Range(2LL, fm::cfg::kMaxPoints));
  a.add_option("--box", f.box, "half-width L of the density grid box (default: from the problem's scale)")->check(fm::finite_number());
  a.add_option("--seed", f.seed, "seed of every Monte-Carlo draw (default 12345)");
}

void print_dfm(const fm::cfg::json& r) {
  // One formatter: integers as they are, other numbers to 6 digits, null (NaN or ±inf) as n/a.
  auto f = [&](const char* k) {
    const auto& v = r[k];
    if (v.is_null()) return std::string("n/a");
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return std::string(buf);
  };
  std::printf("grid %s, %s steps, T = %s, sigma^2 = %s, d = %s, drift %s, eps^2 = %s\n", f("grid").c_str(),
              f("steps").c_str(), f("T").c_str(), f("sigma2").c_str(), f("dim").c_str(), f("drift").c_str(),
              f("eps2").c_str());
  std::printf("\nexplicit chain (rigorous): KL_marg <= KL_path <= (eps^2 + D_h)/sigma^2\n");
  std::printf("  KL_marg  %-14s (%s)\n", f("kl_marg").c_str(), f("kl_method").c_str());
  std::printf("  KL_path  %-14s +- %s (%s)\n", f("kl_path").c_str(), f("kl_path_se").c_str(), f("kl_path_method").c_str());
  std::printf("  D_h      %-14s\n  chain    %-14s\n", f("D_h").c_str(), f("chain").c_str());
  std::printf("\nbrackets (%s):\n", f("bracket_status").c_str());
  std::printf("  original  eps^2 + h F_orig    F_orig = %-12s B = %-12s KL/B = %s\n", f("F_orig").c_str(),
              f("bracket_orig").c_str(), f("C_orig").c_str());
  std::printf("  %-9s d^3 follow-up         F_fu   = %-12s B = %-12s KL/B = %s\n", f("bracket_fu_name").c_str(),
              f("F_fu").c_str(), f("bracket_fu").c_str(), f("C_fu").c_str());
  if (r.contains("w2_bias2_bound"))
    std::printf("  early-stopping bias: W2^2(nu*_{1-delta}, nu*) <= %s\n", f("w2_bias2_bound").c_str());
  if (r.contains("steps_needed"))
    std::printf("\nsteps for C*B <= %s with C = %s%s: %s (follow-up)%s\n", f("target_kl").c_str(), f("constant").c_str(),
                r["constant_assumed"].get<long long>() ? " (assumed: the theory's constant is unknown; set --constant)" : "",
                f("steps_needed").c_str(),
                r.contains("steps_needed_orig") ? (", " + f("steps_needed_orig") + " (original)").c_str() : "");
}

// The result on stdout (a table, or one JSON object with --json) and, with --out, as the
// /summary row of an HDF5 file whose /config records the subcommand's inputs.
void emit(const fm::io::Summary& s, const fm::CommonFlags& common, const fm::cfg::json& inputs, std::uint64_t seed,
          int argc, char** argv, const std::function<void(const fm::io::Summary&)>& print) {
  if (!common.out.empty()) {
    auto file = fm::io::H5File::create(common.out);
    fm::io::write_metadata(file, {fm::command_line(argc, argv), seed}, inputs);
    s.write(file);
    file.commit();
  }
  if (common.json) std::cout << s.to_json().dump() << "\n";
  else print(s);
}

int run_dfm(const DfmFlags& f, const fm::CommonFlags& common, int argc, char** argv) {
  fm::set_threads(common.threads);
  fm::check_output_path(common.out, {f.target, f.source, f.coupling, f.perturbation, f.model}, "--out", common.force);
  fm::cfg::json spec = {{"target", spec_arg(f.target, "--target")}};
  if (!f.source.empty()) spec["source"] = spec_arg(f.source, "--source");
  if (!f.coupling.empty()) spec["coupling"] = spec_arg(f.coupling, "--coupling");
  if (f.dim > 0) spec["dim"] = f.dim;
  if (!(f.sigma2 > 0)) fm::usage_error("--sigma2: expected a positive number, got " + std::to_string(f.sigma2));
  const fm::bounds::DfmProblem problem = fm::bounds::make_dfm_problem(spec, f.sigma2, "problem");
  if (!f.perturbation.empty() && !f.model.empty()) fm::usage_error("--perturbation and --model: give at most one");
  if (!std::isnan(f.eps2) && !(f.eps2 >= 0)) fm::usage_error("--eps2: expected a number >= 0");
  fm::bounds::DfmDrift drift;
  if (!f.perturbation.empty()) {
    const fm::cfg::json p = spec_arg(f.perturbation, "--perturbation");
    drift = fm::bounds::parse_dfm_perturbation(p, problem.dim, "--perturbation");
    const bool has_level = p.contains("eps") || p.contains("scale");
    if (has_level && !std::isnan(f.eps2)) fm::usage_error("--eps2: the perturbation already sets its level");
    if (!has_level && std::isnan(f.eps2)) fm::usage_error("--perturbation: give 'eps' or 'scale', or --eps2");
    if (!has_level) drift.eps = std::sqrt(f.eps2);
  } else if (!f.model.empty()) {
    if (!std::isnan(f.eps2)) fm::usage_error("--eps2: a learned drift's error is measured, not set");
    const fm::field::Model m = fm::field::load_model(spec_arg(f.model, "--model"));
    if (!m.drift) fm::usage_error("--model: it has no SDE drift (train with objective dfm, or a bridge interpolant)");
    if (m.sigma2 != f.sigma2)
      fm::usage_error("--model was trained with sigma2 = " + std::to_string(m.sigma2) + ", not --sigma2 " +
                      std::to_string(f.sigma2));
    drift.model = m.drift;
  } else if (!std::isnan(f.eps2) && f.eps2 > 0) {
    drift.perturbed = true;  // a constant shift (P1) at the requested level
    drift.perturbation.type = "constant";
    drift.eps = std::sqrt(f.eps2);
  }
  fm::bounds::DfmOptions o;
  o.grid = f.grid;
  o.steps = static_cast<long>(f.steps);
  o.delta = f.delta;
  o.kl_method = f.kl_method;
  o.path_method = f.path_method;
  o.mc.paths = static_cast<long>(f.paths);
  o.box.L = f.box;
  o.eps_samples = static_cast<long>(f.eps_samples);
  o.constant = f.constant;
  o.constant_assumed = !f.constant_given;
  o.target_kl = f.target_kl;
  o.seed = static_cast<std::uint64_t>(f.seed);
  if (f.moment_samples < 2) fm::usage_error("--moment-samples: expected at least 2");
  const auto moments = fm::bounds::dfm_moments(*problem.path, static_cast<long>(f.moment_samples), o.seed);
  const fm::io::Summary r = fm::bounds::evaluate_dfm(problem, drift, moments, o);
  emit(r, common, {{"problem", spec}, {"sigma2", f.sigma2}}, o.seed, argc, argv,
       [](const fm::io::Summary& s) { print_dfm(s.to_json()); });
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"fm-bound: KL/TV bound calculators for flow matching"};
  app.require_subcommand(1);
  fm::CommonFlags common;
  CLI::App* kl = app.add_subcommand("kl", "KL(p1||q1) <= eps*sqrt(S) <= A1*eps + A2*eps^2 (theory/kl_bound.md)");
  // `tv` takes kl's inputs and reports the TV chain: measured TV <= sqrt(KL/2) <= sqrt(bound/2).
  CLI::App* tvc = app.add_subcommand("tv", "the TV chain: measured TV <= Pinsker of the KL <= Pinsker of the KL bound");
  double eps = NAN, L = NAN, M = NAN, Ip = NAN, I0 = NAN, L0 = NAN, T = 1, S = NAN;
  std::string model, target;
  long long seed = 12345, grid = 101, n_eps = 4096, n_score = 2048, n_kl = 20000;
  for (CLI::App* sub : {kl, tvc}) {
    fm::add_run_flags(*sub, common);
    sub->add_option("--eps", eps, "flow-matching error eps (full-norm L2 over p_t x dt)")->check(fm::finite_number());
    sub->add_option("--lipschitz", L, "L_v: Lipschitz constant of v (sup of the Jacobian's operator norm)")->check(fm::finite_number());
    sub->add_option("--grad-div", M, "M_v: sup of |grad div v|")->check(fm::finite_number());
    sub->add_option("--fisher-path", Ip, "I_p: integral of E_{p_t}|grad log p_t|^2 over [0, T]")->check(fm::finite_number());
    sub->add_option("--fisher-source", I0, "I_0: E_{p_0}|grad log p_0|^2 (d for N(0, I))")->check(fm::finite_number());
    sub->add_option("--source-score-lipschitz", L0, "L_0: Lipschitz constant of grad log p_0 (1 for N(0, I))")->check(fm::finite_number());
    sub->add_option("--horizon", T, "horizon T (default 1)")->check(fm::finite_number());
    sub->add_option("--S", S, "score-gap integral S, for the Cauchy-Schwarz bound eps*sqrt(S)")->check(fm::finite_number());
    sub->add_option("--model", model, "estimate every constant for this model (spec .json, inline JSON or run .h5)");
    sub->add_option("--target", target,
                    "the true path: a gaussian, gmm, 8gaussians, schedule or holder spec (file or inline JSON); "
                    "default: the target the model records. Without a closed-form path only L_v, M_v, I_0, L_0");
    sub->add_option("--seed", seed, "seed of the Monte-Carlo draws (default 12345)");
    sub->add_option("--grid", grid, "times in [0, 1] for eps, S, I_p, L_v, M_v (default 101)")->check(CLI::Range(2LL, fm::cfg::kMaxGrid));
    sub->add_option("--n-eps", n_eps, "samples per time for eps (default 4096)")->check(CLI::Range(2LL, fm::cfg::kMaxPoints));
    sub->add_option("--n-score", n_score, "samples per time for S and the constants (default 2048)")->check(CLI::Range(2LL, fm::cfg::kMaxPoints));
    sub->add_option("--n-kl", n_kl, "samples of p_1 for the KL (default 20000)")->check(CLI::Range(2LL, fm::cfg::kMaxPoints));
  }

  CLI::App* dfm = app.add_subcommand("dfm", "DFM + Euler-Maruyama: KL_marg <= KL_path <= (eps^2 + D_h)/sigma^2 and brackets");
  fm::CommonFlags dcommon;
  fm::add_run_flags(*dfm, dcommon);
  DfmFlags df;
  add_dfm_flags(*dfm, df);
  if (!fm::parse_cli(app, argc, argv)) return 0;
  if (dfm->parsed()) return run_dfm(df, dcommon, argc, argv);
  fm::set_threads(common.threads);
  fm::check_output_path(common.out, {model, target}, "--out", common.force);
  fm::cfg::json inputs = {{"model", model}, {"target", target}};

  fm::io::Summary out;
  if (model.empty()) {
    for (auto [v, name] : {std::pair{eps, "--eps"}, {L, "--lipschitz"}, {M, "--grad-div"}, {Ip, "--fisher-path"},
                           {I0, "--fisher-source"}, {L0, "--source-score-lipschitz"}})
      if (std::isnan(v)) fm::usage_error(std::string(name) + ": required (or give --model and --target to estimate)");
    if (!std::isnan(S) && S < 0) fm::usage_error("--S: expected a score-gap integral >= 0");
    const fm::bounds::KlConstants c{L, M, Ip, I0, L0, T};
    const auto b = fm::bounds::kl_bound(c, eps, std::isnan(S) ? -1 : S);
    out.set("A1", b.A1);
    out.set("A2", b.A2);
    out.set("kl_bound", b.kl_bound);
    out.set("tv_bound", b.tv_bound);
    if (!std::isnan(S)) {
      out.set("cs_bound", b.cs_bound);
      out.set("cs_tv_bound", b.cs_tv);
    }
  } else {
    const fm::field::Model m = fm::field::load_model(spec_arg(model, "--model"));
    // The true path: --target, or the target the model records (a run's config, an analytic spec's).
    const fm::cfg::json tspec = target.empty() ? m.target : spec_arg(target, "--target");
    if (tspec.is_null())
      fm::usage_error("--target: required: the model does not record its target (give the true path's spec)");
    fm::bounds::KlEstimateOptions o;
    o.seed = static_cast<std::uint64_t>(seed);
    o.grid = static_cast<int>(grid);
    o.n_eps = n_eps;
    o.n_score = n_score;
    o.n_kl = n_kl;
    if (!fm::field::has_exact_path(tspec)) {
      // No closed-form path (moons, checkerboard, a dataset): the model's own constants only, and
      // one line saying what is missing and why.
      const auto tdist = fm::dist::make_distribution(tspec, target.empty() ? "the model's target" : "--target");
      if (tvc->parsed())
        fm::usage_error("--target: " + tdist->name() + " has no closed-form density p_1, which every link of the TV "
                        "chain needs (fm-bound kl gives the model's constants)");
      std::fprintf(stderr,
                   "fm-bound: %s has no closed-form path: eps, S, I_p, the KL and the bound need its velocity u_t "
                   "and density p_t and are not computed; L_v, M_v (on the linear path to its samples), I_0 and "
                   "L_0 are\n",
                   tdist->name().c_str());
      const auto c = fm::bounds::model_constants(m, *tdist, o);
      for (const auto& [name, value] : fm::bounds::named_values(c)) out.set(name, value);
      for (const auto& [name, k] : fm::bounds::named_constants(c)) out.set(name + "_kind", k.kind);
      inputs["target"] = tspec;
      inputs.update({{"grid", grid}, {"n_score", n_score}, {"exact_path", false}});
      emit(out, common, inputs, static_cast<std::uint64_t>(seed), argc, argv, print_table);
      return 0;
    }
    const fm::field::Model truth = fm::field::make_analytic_model({{"field", "exact"}, {"target", tspec}}, "target");
    if (m.dim != truth.dim)
      fm::usage_error("--model has dimension " + std::to_string(m.dim) + " but --target has dimension " +
                      std::to_string(truth.dim));
    auto a = std::dynamic_pointer_cast<const fm::dist::Gaussian>(m.source);
    auto b = std::dynamic_pointer_cast<const fm::dist::Gaussian>(truth.source);
    if (!a || !b || a->dim() != b->dim() || (a->mean() - b->mean()).norm() > 0 || (a->cov() - b->cov()).norm() > 0)
      fm::usage_error("--model: its source differs from the target path's source N(0, I) (the bound assumes q_0 = p_0)");
    inputs["target"] = tspec;
    const auto e = fm::bounds::estimate_kl(m, truth, o);
    for (const auto& [name, value] : fm::bounds::named_values(e)) out.set(name, value);
    // The TV chain: measured TV (Monte Carlo at the same p_1 samples as the KL) ≤ √(KL/2) (Pinsker
    // of the measured KL) ≤ tv_bound (Pinsker of the bound).
    const fm::Estimate tv = fm::metrics::mc_tv(e.log_p1, e.log_q1);
    out.set("tv", tv.value);
    out.set("tv_se", tv.se);
    out.set("tv_pinsker", std::sqrt(std::max(0.0, e.kl) / 2));
    for (const auto& [name, k] : fm::bounds::named_constants(e)) out.set(name + "_kind", k.kind);
    // Monte-Carlo noise and solver accuracy are not violations (bounds::kl_violates).
    out.set("cs_violated", static_cast<long long>(fm::bounds::kl_violates(e.kl, e.kl_se, e.bound.cs_bound)));
    out.set("kl_bound_violated", static_cast<long long>(fm::bounds::kl_violates(e.kl, e.kl_se, e.bound.kl_bound)));
  }
  if (model.empty())
    inputs = {{"eps", eps}, {"lipschitz", L}, {"grad_div", M}, {"fisher_path", Ip}, {"fisher_source", I0},
              {"source_score_lipschitz", L0}, {"horizon", T}, {"S", S}};
  else
    inputs.update({{"grid", grid}, {"n_eps", n_eps}, {"n_score", n_score}, {"n_kl", n_kl}});
  if (tvc->parsed()) {
    // The chain's links only, each with what it rests on.
    fm::io::Summary chain;
    for (const auto& [k, v] : out.items())
      if (k.rfind("tv", 0) == 0 || k == "cs_tv_bound" || k == "kl" || k == "kl_se" || k == "kl_bound" || k == "eps")
        std::visit([&, &k = k](const auto& x) { chain.set(k, x); }, v);
    out = chain;
  }
  emit(out, common, inputs, static_cast<std::uint64_t>(seed), argc, argv, print_table);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-bound", [&] { return run(argc, argv); });
}
