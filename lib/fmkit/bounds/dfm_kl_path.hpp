// KL_path = KL(P‖Q) between the exact Markov SDE P (drift b from μ) and the continuous-time
// interpolation Q of Euler–Maruyama with drift s frozen at grid points (theory/dfm.md §4.4):
//   KL_path = 1/(2σ²) Σ_k ∫_{t_k}^{t_{k+1}} E_P‖b(t, X_t) − s(t_k, X_{t_k})‖² dt ≥ KL_marg,
//   D_h     = Σ_k ∫ E_P‖b(t, X_t) − b(t_k, X_{t_k})‖² dt,   KL_path ≤ (ε² + D_h)/σ².
// Two-time laws are those of the Markov process P (Cov(X_s, X_{t_k}) = Φ(s, t_k) Σ_{t_k}), never of
// the bridge mixture, which has the same marginals but different joint laws.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "fmkit/dist/distribution.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/grid.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

namespace fm::bounds {

struct PathKl {
  double kl_path = 0, kl_path_se = 0;
  double D_h = 0, D_h_se = 0;
  std::string method;  // gaussian (exact) | monte_carlo
};

// An affine drift error e(t, x) = G_t (x − m_t) + q_t (m_t the path mean).
using AffineError = std::function<void(double t, Square& G, Vec& q)>;

// Exact for a one-block (Gaussian) path: Simpson's rule with `simpson` sub-intervals per step on
// the integrand tr(A_sΣ_sA_sᵀ) + tr(A'_kΣ_kA'_kᵀ) − 2tr(A_sΦΣ_kA'_kᵀ) + ‖q_k‖², A' = A + G, and
// Φ by RK4 (4 sub-steps per Simpson interval). Steps where λ_min(Σ_t)/σ² is small against h (sharp
// targets near t = 1) get up to 8192 sub-intervals.
PathKl gaussian_kl_path(const path::GaussianMixturePath& p, const AffineError& error, const integrate::Grid& grid,
                        int simpson = 16);

struct McPathOptions {
  long paths = 4000;
  long substeps_min = 32;        // fine EM sub-steps per grid step, at least
  double substep_max = 1.0 / 2048;  // and no longer than this (bias is O(sub-step))
  std::uint64_t seed = 12345;
  void validate() const;  // usage error unless paths >= 2, substeps_min >= 1 and 0 < substep_max <= 1
};

// Monte Carlo for any drifts: paths of P by fine EM with the exact drift b, the squared gaps
// accumulated by the trapezoid rule along the sub-steps; mean and standard error over paths.
PathKl mc_kl_path(const field::VelocityField& exact, const field::VelocityField& drift,
                  const dist::Distribution& source, double sigma2, const integrate::Grid& grid,
                  const McPathOptions& opts);

}  // namespace fm::bounds
