// Exact bound quantities of a linear velocity perturbed by δ(t)x (theory/kl_bound.md §4, "perturbed
// fields"): p the path of u = a(t)x from N(0, I), q that of v = (a + δ)x. With A = ∫a, D = ∫δ,
//   ε² = d∫_0^1 δ² e^{2A} dt,  S = d∫_0^1 (1 − e^{−2D})² e^{−2A} dt,  KL(p_1||q_1) = (d/2)(e^{−2D(1)} − 1 + 2D(1)).
// The KL study's E2A rows are judged on these, with no Monte-Carlo noise.
#pragma once
#include <functional>

namespace fm::bounds {

struct PerturbedLinearExact {
  double eps = 0, S = 0, kl = 0;
  double cs_bound() const;  // ε√S
};

// A(t), δ(t) and D(t) = ∫_0^t δ on [0, 1]; the integrals by 64-node Gauss–Legendre (the integrands
// are smooth, so the rule is exact to rounding).
PerturbedLinearExact perturbed_linear_exact(const std::function<double(double)>& A,
                                            const std::function<double(double)>& delta,
                                            const std::function<double(double)>& D, double dim);

}  // namespace fm::bounds
