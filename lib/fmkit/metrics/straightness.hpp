// How straight a flow is (theory/sdfm.md §4), from source points x₀ and the flow-map image x̂₁:
//   curv_ott = 1/(32 d) Σ_{k<32} E‖v(t_k, x_{t_k}) − (x̂₁ − x₀)‖²,  t_k = k/32  (OTT's curvature)
//   S_liu    = E ∫₀¹ ‖(x̂₁ − x₀) − v(t, x_t)‖² dt                         (Liu's straightness)
//   transport cost T = E‖x̂₁ − x₀‖²,  path energy PE = E ∫₀¹ ‖v(t, x_t)‖² dt ≥ T.
// Both curvatures vanish iff paths are straight at constant speed; curv_ott ≈ S_liu / d.
#pragma once
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/dopri5.hpp"

namespace fm::metrics {

struct Straightness {
  double curv_ott = 0, s_liu = 0, transport_cost = 0, path_energy = 0;
  long nfe = 0;
};

// Dopri5 at rtol = atol = 1e-5 by default, as the reference protocol.
Straightness straightness(const field::VelocityField& v, const Mat& x0,
                          integrate::Dopri5Options opts = {1e-5, 1e-5, 10000, 0});

// The same quantities from a fine Euler solve (`steps` a multiple of 32, so every t_k is a grid
// point), for fields that must not be evaluated at t = 1 (the exact discrete-target oracle). The
// integrals use the solver's own left rule, under which Σ h v = x̂₁ − x₀ exactly, so S_liu = PE − T.
Straightness straightness_euler(const field::VelocityField& v, const Mat& x0, long steps);

}  // namespace fm::metrics
