#include "fmkit/integrate/sampler.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/integrate/conditional_sampling.hpp"
#include "fmkit/integrate/euler_maruyama.hpp"
#include "fmkit/integrate/guidance_correction.hpp"
#include "fmkit/integrate/mean_flow.hpp"

namespace fm::integrate {

cfg::json sample_defaults() {
  return {{"n", 1000},        {"solver", "dopri5"}, {"nfe", 100},   {"rtol", 1e-6},  {"atol", 1e-8},
          {"max_steps", 10000}, {"trajectories", 0}, {"grid", "G1"}, {"delta", 0.01}, {"chunk", 1024},
          {"condition", nullptr}, {"guidance", 1.0}, {"guidance_resample", 0}, {"precision", "float64"}};
}

cfg::json logprob_defaults() {
  return {{"points", ""}, {"score", false}, {"rtol", 1e-6}, {"atol", 1e-8}, {"max_steps", 10000}, {"chunk", 64}};
}

void SampleOptions::validate() const {
  if (!(n >= 0 && n <= cfg::kMaxPoints)) usage_error("sample.n: expected an integer in [0, 1e8]");
  if (solver == "em") {
    make_grid(grid, em_steps, delta);  // the grid's name and δ
  } else if (solver == "midpoint") {  // the guidance correction's integrator, nothing else
    if (guidance_resample <= 0)
      usage_error("sample.solver: midpoint is the guidance correction's integrator; it needs sample.guidance_resample > 0");
    if (flow.nfe < 2 || flow.nfe % 2 != 0)
      usage_error("sample.nfe: the midpoint rule takes 2 evaluations a step; give an even nfe >= 2");
  } else if (solver != "meanflow") {
    parse_method(solver, "sample.solver");
  }
  if (!(std::abs(guidance) <= 1e3)) usage_error("sample.guidance: expected a finite scale in [-1000, 1000]");
  if (!(guidance_resample >= 0 && guidance_resample <= 4096))
    usage_error("sample.guidance_resample: expected an integer in [0, 4096]");
  if (guidance_resample > 0 && solver != "midpoint")
    usage_error("sample.guidance_resample: the corrected sampler integrates by the explicit midpoint rule; set "
                "sample.solver to midpoint (and an even sample.nfe)");
  if (guidance_resample > 0 && static_cast<double>(n) * static_cast<double>(guidance_resample) > static_cast<double>(cfg::kMaxPoints))
    usage_error("sample.n × sample.guidance_resample is over " + std::to_string(cfg::kMaxPoints) + " trajectories");
  if (guidance_resample > 0 && flow.trajectories > 0)
    usage_error("sample.trajectories: the corrected sampler stores no trajectories; set 0");
  // The samples and the stored trajectory states are held in memory together.
  if (static_cast<double>(n) * static_cast<double>(flow.trajectories + 2) > static_cast<double>(cfg::kMaxPoints))
    usage_error("sample.n × (sample.trajectories + 2) is over " + std::to_string(cfg::kMaxPoints) +
                " stored points; lower sample.n or sample.trajectories");
  if (solver == "meanflow" && flow.trajectories > 0)
    usage_error("sample.trajectories: the meanflow sampler stores no trajectories; set 0");
  if (solver != "em" && solver != "meanflow" && solver != "midpoint") flow.validate();
  else flow.dopri.validate();
}

SampleOptions parse_sample_options(const cfg::json& s, std::uint64_t seed) {
  const std::string w = "sample";
  SampleOptions o;
  o.seed = seed;
  o.n = cfg::count(s, "n", w, 0, cfg::kMaxPoints);
  o.solver = cfg::string(s, "solver", w);
  const long nfe = cfg::count(s, "nfe", w, 1, cfg::kMaxGrid);
  if (o.solver == "em") {
    o.em_steps = nfe;
    o.grid = cfg::string(s, "grid", w);
    o.delta = cfg::number(s, "delta", w);
  } else if (o.solver == "meanflow") {
    o.mean_flow_steps = nfe;
  } else if (o.solver != "midpoint") {
    o.flow.method = parse_method(o.solver, "sample.solver");
  }
  o.flow.nfe = nfe;
  o.flow.dopri.rtol = cfg::number(s, "rtol", w);
  o.flow.dopri.atol = cfg::number(s, "atol", w);
  o.flow.dopri.max_steps = cfg::count(s, "max_steps", w, 1, cfg::kMaxSteps);
  o.flow.trajectories = cfg::count(s, "trajectories", w, 0, cfg::kMaxGrid);
  o.flow.chunk = cfg::count(s, "chunk", w, 1, cfg::kMaxPoints);
  o.condition = s.contains("condition") ? s["condition"] : cfg::json();  // checked against the model's classes
  o.guidance = cfg::number_or(s, "guidance", 1.0, w);
  o.guidance_resample = s.contains("guidance_resample") ? cfg::count(s, "guidance_resample", w, 0, 4096) : 0;
  o.precision = nn::parse_precision(cfg::string_or(s, "precision", "float64", w), "sample.precision");
  o.validate();
  return o;
}

void LogprobOptions::validate() const { cnf.validate(); }

LogprobOptions parse_logprob_options(const cfg::json& l) {
  const std::string w = "logprob";
  LogprobOptions o;
  o.points = cfg::string(l, "points", w);
  o.cnf.score = cfg::boolean_or(l, "score", false, w);
  o.cnf.ode.rtol = cfg::number(l, "rtol", w);
  o.cnf.ode.atol = cfg::number(l, "atol", w);
  o.cnf.ode.max_steps = cfg::count(l, "max_steps", w, 1, cfg::kMaxSteps);
  o.cnf.chunk = cfg::count(l, "chunk", w, 1, cfg::kMaxPoints);
  o.validate();
  return o;
}

namespace {

SampleOutput from_flow(FlowResult fr) {
  SampleOutput out;
  out.x = std::move(fr.x);
  out.nfe = fr.nfe_max;
  out.nfe_mean = fr.nfe_mean;
  out.traj_t = std::move(fr.traj_t);
  out.traj = std::move(fr.traj);
  return out;
}

}  // namespace

SampleOutput sample_model(const field::Model& model, const SampleOptions& opts) {
  SampleOutput out;
  Rng rng(opts.seed, "fm-sample/source");
  const Mat x0 = model.source->sample(opts.n, rng);
  if (model.conditional) {
    if (opts.solver == "em" || opts.solver == "meanflow")
      usage_error("sample.solver: a conditional model is sampled with an ODE solver (euler, heun, rk4, dopri5)");
    const field::ConditionedField v(model.conditional, opts.guidance);
    const Mat cond = resolve_conditions(opts.condition, model.conditional->spec(), opts.n, "sample.condition");
    if (opts.guidance_resample > 0) {
      // r draws per sample (rows g·r … g·r + r − 1 carry sample g's condition); v₁ = v(·, c), v₂ = v(·, ∅).
      const Index r = opts.guidance_resample;
      const field::ConditionedField v_cond(model.conditional, 1.0), v_null(model.conditional, 0.0);
      Rng many(opts.seed, "fm-sample/guidance-draws");
      const Mat x0r = model.source->sample(opts.n * r, many);
      Mat cond_r(opts.n * r, cond.cols());
      for (Index i = 0; i < opts.n * r; ++i) cond_r.row(i) = cond.row(i / r);
      const CorrectedGuidance c = corrected_guidance(v_cond, v_null, opts.guidance, v.augment(x0r, cond_r), r,
                                                     opts.flow.nfe / 2, opts.seed);
      out.x = v.points(c.x);
      out.nfe = opts.flow.nfe;
      out.nfe_mean = static_cast<double>(opts.flow.nfe);
      out.guidance_ess = c.ess;
      return out;
    }
    return from_flow(integrate_conditional(v, x0, cond, opts.flow));
  }
  if (opts.guidance != 1 || !opts.condition.is_null() || opts.guidance_resample > 0)
    usage_error(std::string(opts.guidance != 1 ? "sample.guidance" : opts.guidance_resample > 0 ? "sample.guidance_resample"
                                                                                               : "sample.condition") +
                ": the model was trained without conditions");
  if (opts.solver == "em") {
    if (!model.drift)
      usage_error("sample.solver: em needs a drift model (interpolant {\"type\":\"bridge\"}); use an ODE solver");
    const Grid grid = make_grid(opts.grid, opts.em_steps, opts.delta);
    Rng noise(opts.seed, "fm-sample/em-noise");
    EmResult em = euler_maruyama(*model.drift, model.sigma2, x0, grid, noise, opts.flow.trajectories);
    out.x = std::move(em.x);
    out.nfe = grid.steps();
    out.nfe_mean = static_cast<double>(grid.steps());
    out.traj_t = std::move(em.traj_t);
    out.traj = std::move(em.traj);
    return out;
  }
  if (opts.solver == "meanflow") {
    if (!model.mean_flow)
      usage_error("sample.solver: meanflow needs a mean-flow model (fm-train objective meanflow); use an ODE solver");
    out.x = sample_mean_flow(*model.mean_flow, x0, opts.mean_flow_steps);
    out.nfe = opts.mean_flow_steps;
    out.nfe_mean = static_cast<double>(opts.mean_flow_steps);
    return out;
  }
  if (!model.velocity)
    usage_error("sample.solver: this is a drift model (dfm objective); sample it with --solver em");
  return from_flow(integrate_flow(*model.velocity, x0, 0.0, 1.0, opts.flow));
}

}  // namespace fm::integrate
