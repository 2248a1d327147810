// What a sampler needs to know about a model, however it was made (analytic spec or trained run):
// its source, ODE velocity, SDE drift, and — when the target path has a closed form — the exact
// log p_t, ∇log p_t and E‖X_t‖² of the true path for error measurements.
#pragma once
#include <functional>
#include <limits>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/field/average_velocity.hpp"
#include "fmkit/field/velocity_field.hpp"

namespace fm::field {

}  // namespace fm::field
namespace fm::nn {
class Mlp;
}
namespace fm::field {

struct Model {
  Index dim = 0;
  double sigma2 = 0;             // interpolant noise; 0 for the linear interpolant
  FieldPtr velocity;             // for ODE solvers (probability-flow velocity of a bridge)
  FieldPtr drift;                // for Euler–Maruyama; null for ODE-only models
  AverageVelocityPtr mean_flow;  // a mean-flow model's U(x, t, s) (k-step sampler); its velocity is U(x, t, t)
  // A conditional network v(x, t, z): sampled through a ConditionedField with conditions and a
  // guidance scale; velocity and drift are then null.
  std::shared_ptr<const nn::Mlp> conditional;
  dist::DistributionPtr source;  // p_0
  // The spec of the target the model was trained on (a run's config) or defines (an analytic
  // spec); null when not known. Lets fm-bound take the true path from the model itself.
  cfg::json target;
  // The exact (unperturbed) path, when known: log p_t, ∇log p_t, E‖X_t‖². Empty otherwise.
  std::function<Vec(double, const Mat&)> log_p;
  std::function<Mat(double, const Mat&)> score_p;
  std::function<double(double)> second_moment;
  std::function<Mat(const Vec&, Rng&)> sample_p;  // x_i ~ p_{t_i}, one time per row
  // I_p = ∫₀¹ E_{p_t}‖∇log p_t‖² dt from the closed form of the integrand, where the path has one
  // (schedules, Gaussian targets); NaN otherwise (the bounds then estimate I_p by Monte Carlo).
  double fisher_path = std::numeric_limits<double>::quiet_NaN();
  // I(p₁) = E_{p₁}‖∇log p₁‖² = ∞ (a holder target with β ≤ 1/2: |x|^{2β−2} is not integrable at the
  // kink). I_p itself stays finite (p_t is smooth for t < 1), but its integrand must not be evaluated
  // at t = 1: the bounds integrate it, and S, up to 1 − δ and say so.
  bool fisher_infinite_at_1 = false;
  std::string perturbation = "none";
  double beta = 0;  // perturbation amplitude
  double eps = 0;   // its error ε = (∫₀¹ E_{p_t}‖δ‖² dt)^{1/2}
  bool has_exact_path() const { return static_cast<bool>(log_p); }
};

}  // namespace fm::field
