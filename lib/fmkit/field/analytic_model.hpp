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

}  // namespace fm::field
