// fm-sample: sample a model's flow (ODE solvers or Euler–Maruyama) and evaluate log q₁ / score
// by the CNF. Thin shell: flags → config → lib → HDF5 / JSON.
#include <iostream>

#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/field/load_model.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/integrate/sampler.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/io/points.hpp"
#include "fmkit/io/summary.hpp"

namespace {

// --condition as the config's sample.condition: a number, "cycle", a comma list of numbers, or a file.
fm::cfg::json condition_spec(const std::string& text) {
  auto number = [&](const std::string& t, double& v) {
    try {
      std::size_t used = 0;
      v = std::stod(t, &used);
      return used == t.size();
    } catch (const std::exception&) {
      return false;
    }
  };
  double v = 0;
  if (number(text, v)) return v;
  if (text == "cycle" || text.find(',') == std::string::npos) return text;
  fm::cfg::json list = fm::cfg::json::array();
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t to = std::min(text.find(',', from), text.size());
    if (!number(text.substr(from, to - from), v))
      fm::usage_error("--condition: '" + text.substr(from, to - from) + "' in the list is not a number");
    list.push_back(v);
    from = to + 1;
  }
  return list;
}

int run(int argc, char** argv) {
  CLI::App app{"fm-sample: sample a flow-matching model and evaluate log q1 by the CNF ODE"};
  fm::CommonFlags common;
  fm::add_common_flags(app, common);
  std::string model, solver, logprob, grid, weights, precision;
  long long n = -1, nfe = -1, seed = -1, trajectories = -1;
  double rtol = -1, atol = -1, delta = -1;
  bool score = false;
  app.add_option("--model", model, "model: analytic spec (.json) or a run file from fm-train (.h5)");
  app.add_option("--n", n, "number of samples (default 1000; 0 = none)");
  app.add_option("--solver", solver, "euler | heun | rk4 | dopri5 | em | meanflow | midpoint (with --guidance-resample) (default dopri5)");
  long long steps = -1;
  app.add_option("--steps", steps, "mean-flow models: K steps of the average velocity U(x, t, s) (solver meanflow, NFE = K)")
      ->check(CLI::Range(1LL, fm::cfg::kMaxGrid));
  app.add_option("--nfe", nfe, "evaluation budget for fixed-step solvers; grid steps N (or M for G3) for em");
  app.add_option("--seed", seed, "master seed (default 0)");
  app.add_option("--rtol", rtol, "dopri5 relative tolerance for sampling (default 1e-6)");
  app.add_option("--atol", atol, "dopri5 absolute tolerance for sampling (default 1e-8)");
  app.add_option("--trajectories", trajectories, "also store K intermediate states (default 0)");
  app.add_option("--grid", grid, "em grid: G1 | G2 | G2u | G3 (default G1)");
  app.add_option("--delta", delta, "em early-stopping delta for G2/G3 (default 0.01)");
  app.add_option("--logprob", logprob, "evaluate log q1 at these points (.npy, .csv, file.h5:/ds, or 'samples')");
  app.add_flag("--score", score, "with --logprob, also write the CNF score of q1");
  app.add_option("--weights", weights, "trained models: ema (default) or raw weights");
  app.add_option("--precision", precision,
                 "trained models: float64 (default) or float32 arithmetic of the network for sampling; "
                 "--logprob and --score always run in float64 (exact derivatives)");
  std::string condition;
  double guidance = 1;
  app.add_option("--condition", condition,
                 "conditional models: a class label for every sample, 'cycle' (sample i gets class i mod K), "
                 "a comma list of one label per sample, or a file of them (.npy, .csv, file.h5:/ds)");
  CLI::Option* guidance_flag = app.add_option("--guidance", guidance,
                 "conditional models: classifier-free guidance scale (1: the conditional model, 0: unconditional; "
                 "other values need a model trained with objective.p_uncond > 0)");
  long long guidance_resample = -1;
  app.add_option("--guidance-resample", guidance_resample,
                 "conditional models: the guidance correction toward p(x|c)^g p(x)^(1-g): R trajectories per sample "
                 "(explicit midpoint rule, --solver midpoint, NFE/2 steps), one resampled by its Feynman-Kac weight")
      ->check(CLI::Range(1LL, 4096LL));
  if (!fm::parse_cli(app, argc, argv)) return 0;

  const fm::cfg::json defaults = {{"model", nullptr},
                                  {"seed", 0},
                                  {"weights", "ema"},
                                  {"sample", fm::integrate::sample_defaults()},
                                  {"logprob", fm::integrate::logprob_defaults()}};
  const fm::cfg::json cfg = fm::resolve_config(defaults, common, {"model"}, [&](fm::cfg::json& c) {
    if (!model.empty()) c["model"] = model;
    if (seed >= 0) c["seed"] = seed;
    if (n >= 0) c["sample"]["n"] = n;
    if (!solver.empty()) c["sample"]["solver"] = solver;
    if (steps > 0) {
      if (!solver.empty() && solver != "meanflow")
        fm::usage_error("--steps: the mean-flow sampler's step count; --solver " + solver + " takes --nfe");
      if (nfe >= 0) fm::usage_error("--steps and --nfe: give one (--steps is the meanflow solver's NFE)");
      c["sample"]["solver"] = "meanflow";
      c["sample"]["nfe"] = steps;
    }
    if (nfe >= 0) c["sample"]["nfe"] = nfe;
    if (rtol >= 0) c["sample"]["rtol"] = rtol;
    if (atol >= 0) c["sample"]["atol"] = atol;
    if (trajectories >= 0) c["sample"]["trajectories"] = trajectories;
    if (!grid.empty()) c["sample"]["grid"] = grid;
    if (delta >= 0) c["sample"]["delta"] = delta;
    if (!logprob.empty()) c["logprob"]["points"] = logprob;
    if (score) c["logprob"]["score"] = true;
    if (!weights.empty()) c["weights"] = weights;
    if (!condition.empty()) c["sample"]["condition"] = condition_spec(condition);
    if (guidance_flag->count() > 0) c["sample"]["guidance"] = guidance;
    if (guidance_resample > 0) c["sample"]["guidance_resample"] = guidance_resample;
    if (!precision.empty()) c["sample"]["precision"] = precision;
  });
  // Validate everything before any work (--dump-config prints, then validates), so bad input never
  // costs a run or leaves a file.
  if (common.dump_config) std::cout << cfg.dump(2) << std::endl;
  const auto seed_v = static_cast<std::uint64_t>(fm::cfg::integer(cfg, "seed", ""));
  const auto sopts = fm::integrate::parse_sample_options(cfg["sample"], seed_v);
  const auto lopts = fm::integrate::parse_logprob_options(cfg["logprob"]);
  // A flag the chosen mode would ignore is a usage error, not a value silently dropped.
  const std::string& sv = sopts.solver;
  if (nfe >= 0 && sv == "dopri5")
    fm::usage_error("--nfe: dopri5 picks its own steps (set --rtol/--atol), or choose --solver euler, heun or rk4");
  if ((rtol >= 0 || atol >= 0) && sv != "dopri5")
    fm::usage_error(std::string(rtol >= 0 ? "--rtol" : "--atol") + ": only dopri5 uses a tolerance; --solver " + sv +
                    " takes --nfe");
  if ((!grid.empty() || delta >= 0) && sv != "em")
    fm::usage_error(std::string(!grid.empty() ? "--grid" : "--delta") + ": only --solver em uses a time grid");
  if (score && lopts.points.empty()) fm::usage_error("--score: needs --logprob (the points to evaluate it at)");
  if (sopts.n == 0 && lopts.points.empty())
    fm::usage_error("--n 0: no samples and no --logprob points, nothing to do");
  const fm::field::Model m = fm::field::with_precision(
      fm::field::load_model(cfg["model"], fm::cfg::string(cfg, "weights", "")), sopts.precision, "sample.precision");
  if (common.dump_config) return 0;
  fm::Mat points;
  if (!lopts.points.empty() && lopts.points != "samples") {
    points = fm::io::read_points(lopts.points);
    if (points.cols() != m.dim)
      fm::usage_error("--logprob '" + lopts.points + "': points have dimension " + std::to_string(points.cols()) +
                      ", the model has dimension " + std::to_string(m.dim));
  }
  if (lopts.points == "samples" && sopts.n == 0) fm::usage_error("--logprob samples: needs --n > 0");
  if (!lopts.points.empty() && m.conditional)
    fm::usage_error("--logprob: log-densities of a conditional model are not offered (sample it with --condition)");
  if (!lopts.points.empty() && !m.velocity)
    fm::usage_error("--logprob: a drift model has no ODE velocity; the CNF needs a velocity model");

  fm::Timer timer;
  const auto out = fm::integrate::sample_model(m, sopts);
  fm::io::Summary summary;
  summary.set("n", static_cast<long long>(sopts.n));
  summary.set("dim", static_cast<long long>(m.dim));
  summary.set("solver", sopts.solver);
  summary.set("precision", fm::nn::to_string(sopts.precision));
  summary.set("nfe", static_cast<long long>(out.nfe));
  summary.set("nfe_mean", out.nfe_mean);
  if (m.conditional) summary.set("guidance", sopts.guidance);
  if (sopts.guidance_resample > 0) {
    summary.set("guidance_resample", static_cast<long long>(sopts.guidance_resample));
    summary.set("guidance_ess", out.guidance_ess);
    // What the weight is and how it was checked (theory/sdfm_variants.md §1 recalls it from the paper).
    summary.set("guidance_correction", "Feynman-Kac weight g(g-1) int t/(1-t) |v_c - v_null|^2 dt; sign checked on a "
                                       "1-D Gaussian pair (tests/unit/test_guidance_correction.cpp)");
  }
  if (m.perturbation != "none") {
    summary.set("perturbation", m.perturbation);
    summary.set("beta", m.beta);
    summary.set("eps", m.eps);
  }
  fm::integrate::CnfResult lp;
  fm::Vec log_p_exact;
  if (!lopts.points.empty()) {
    if (lopts.points == "samples") points = out.x;
    lp = fm::integrate::cnf_log_density(*m.velocity, *m.source, points, 1.0, lopts.cnf);
    lp.summarize(summary);
    // The unperturbed path's exact log p₁ sits beside the CNF answer: for an exact model the two
    // agree to solver tolerance, for a perturbed one their gap is the KL integrand.
    if (m.has_exact_path()) {
      log_p_exact = m.log_p(1.0, points);
      summary.set("mean_log_p_exact", log_p_exact.mean());
      summary.set("max_abs_log_q_minus_log_p", (lp.log_q - log_p_exact).cwiseAbs().maxCoeff());
    }
  }
  summary.set("wall_time_s", timer.seconds());

  if (!common.out.empty()) {
    auto file = fm::io::H5File::create(common.out);
    fm::io::write_metadata(file, {fm::command_line(argc, argv), seed_v}, cfg);
    summary.write(file);
    if (sopts.n > 0) file.write("/samples", out.x);
    if (!out.traj.empty()) {
      const std::size_t K = out.traj.size();
      std::vector<double> flat;
      for (const auto& s : out.traj) flat.insert(flat.end(), s.data(), s.data() + s.size());
      file.write_array("/trajectories/x", {K, static_cast<hsize_t>(sopts.n), static_cast<hsize_t>(m.dim)},
                       flat.data());
      file.write("/trajectories/t", out.traj_t);
    }
    if (!lopts.points.empty()) {
      file.write("/logprob/points", points);
      file.write("/logprob/log_q", lp.log_q);
      if (m.has_exact_path()) file.write("/logprob/log_p_exact", log_p_exact);
      if (lopts.cnf.score) {
        file.write("/logprob/score", lp.score);
        if (m.has_exact_path()) file.write("/logprob/score_exact", m.score_p(1.0, points));
      }
    }
    file.commit();
  }
  if (common.json) std::cout << summary.to_json().dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-sample", [&] { return run(argc, argv); });
}
