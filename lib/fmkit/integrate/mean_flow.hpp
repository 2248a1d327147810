// Mean flows (theory/sdfm_variants.md §2): the k-step sampler of an average velocity U, and the
// average velocity of any velocity field by integrating its ODE — the reference the closed form
// and the mean-flow identity U = v + (s − t) d/dt U are checked against.
#pragma once
#include "fmkit/field/average_velocity.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/dopri5.hpp"

namespace fm::integrate {

// x ← x + (s − t) U(x, t, s) on the uniform grid 0 = t₀ < … < t_k = 1 (k = steps ≥ 1; one step is
// x₁ = x₀ + U(x₀, 0, 1)). NFE = k. Rows run in fixed chunks in parallel (bit-identical across
// thread counts); a non-finite state is a runtime error.
Mat sample_mean_flow(const field::AverageVelocity& u, const Mat& x0, long steps);

// U(x, t, s) = (ψ_s(ψ_t⁻¹(x)) − x)/(s − t) of a velocity field, by Dopri5 from t to s (s = t:
// v(x, t)). A solve that fails its tolerances is a runtime error.
Mat ode_average_velocity(const field::VelocityField& v, const Mat& x, double t, double s, const Dopri5Options& opts);

}  // namespace fm::integrate
