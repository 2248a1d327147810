// An analytic model from its JSON spec (DESIGN.md):
//   {"field":"exact","source":{..},"target":{..},
//    "interpolant":{"type":"linear"|"bridge","sigma2":1},
//    "coupling":{"type":"independent"|"gaussian","cross_cov":[[..]]},
//    "perturbation":{"type":"constant|linear|sine|time_local","eps":0.1 | "scale":β,
//                    "direction":[..],"window":[a,b]}}
// A schedule target {"type":"schedule",...} fixes its own source N(0, I) and velocity a(t)x.
// The perturbation acts on the ODE velocity (linear interpolant) or on the SDE drift (bridge).
#pragma once
#include <functional>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/field/velocity_field.hpp"

namespace fm::field {

struct AnalyticModel {
  Index dim = 0;
  double sigma2 = 0;             // interpolant noise; 0 for the linear interpolant
  FieldPtr velocity;             // for ODE solvers (probability-flow velocity of a bridge)
  FieldPtr drift;                // for Euler–Maruyama; null for the linear interpolant
  dist::DistributionPtr source;  // p_0
  // The exact (unperturbed) path: log p_t, ∇log p_t and E‖X_t‖².
  std::function<Vec(double, const Mat&)> log_p;
  std::function<Mat(double, const Mat&)> score_p;
  std::function<double(double)> second_moment;
  std::string perturbation = "none";
  double beta = 0;  // perturbation amplitude
  double eps = 0;   // its error ε = (∫₀¹ E_{p_t}‖δ‖² dt)^{1/2}
};

AnalyticModel make_analytic_model(const cfg::json& spec, const std::string& where = "model");

}  // namespace fm::field
