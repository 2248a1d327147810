// An analytic model from its JSON spec (DESIGN.md):
//   {"field":"exact","source":{..},"target":{..},
//    "interpolant":{"type":"linear"|"bridge","sigma2":1},
//    "coupling":{"type":"independent"|"gaussian","cross_cov":[[..]]},
//    "perturbation":{"type":"constant|linear|sine|time_local","eps":0.1 | "scale":β,
//                    "direction":[..],"window":[a,b]}}
// A schedule target {"type":"schedule",...} fixes its own source N(0, I) and velocity a(t)x; a
// holder target {"type":"holder","beta":β,"a":a} fixes N(0, 1) and gets its path by quadrature.
// The perturbation acts on the ODE velocity (linear interpolant) or on the SDE drift (bridge).
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/field/model.hpp"

namespace fm::field {

Model make_analytic_model(const cfg::json& spec, const std::string& where = "model");

// Whether a target spec has a closed-form (or quadrature) path that make_analytic_model builds:
// a gaussian, a gmm, a toy that is a mixture (8gaussians), a schedule or a holder target.
bool has_exact_path(const cfg::json& target);

}  // namespace fm::field
