// Sampling a model end to end, as fm-sample does: draw source noise, push it through the ODE
// (any solver) or Euler–Maruyama (drift models), and optionally evaluate log q₁ and its score
// at given points by the CNF. Options come from the "sample"/"logprob" config sections.
#pragma once
#include <optional>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/integrate/cnf.hpp"
#include "fmkit/integrate/flow.hpp"
#include "fmkit/nn/precision.hpp"

namespace fm::integrate {

struct SampleOptions {
  Index n = 1000;
  std::string solver = "dopri5";  // euler | heun | rk4 | dopri5 | em | meanflow | midpoint (guidance correction)
  FlowOptions flow;
  std::string grid = "G1";        // em only
  double delta = 0.01;            // em on G2/G3
  long em_steps = 100;            // em: N (G1/G2) or M (G3)
  long mean_flow_steps = 1;       // meanflow: k steps of the average velocity (NFE = k)
  // A conditional model's conditions (resolve_conditions' spec) and guidance scale γ.
  cfg::json condition;
  double guidance = 1;
  // > 0: the guidance correction (guidance_correction.hpp): r trajectories per sample by the
  // explicit midpoint rule (solver "midpoint", nfe / 2 steps), one resampled by its weight.
  Index guidance_resample = 0;
  // The arithmetic of a trained MLP's velocity or drift evaluations (field::with_precision).
  nn::Precision precision = nn::Precision::Float64;
  std::uint64_t seed = 0;
  // Usage error unless every number is in range and the choices fit together (naming the sample.*
  // keys); parse_sample_options calls it.
  void validate() const;
};

struct LogprobOptions {
  std::string points;  // empty: none; "samples": the generated samples; else a point-set path
  CnfOptions cnf;
  void validate() const;  // the CNF's tolerances and sizes
};

// Defaults of the two sections, merged into each program's default config.
cfg::json sample_defaults();
cfg::json logprob_defaults();
SampleOptions parse_sample_options(const cfg::json& sample, std::uint64_t seed);
LogprobOptions parse_logprob_options(const cfg::json& logprob);

struct SampleOutput {
  Mat x;
  long nfe = 0;
  double nfe_mean = 0;
  std::vector<double> traj_t;
  std::vector<Mat> traj;
  double guidance_ess = 0;  // the corrected sampler's mean effective sample size per group (÷ r)
};

SampleOutput sample_model(const field::Model& model, const SampleOptions& opts);

}  // namespace fm::integrate
