// Every quantity of the KL bound estimated for a model v against the true path (p_t, u) of its
// target (theory/kl_bound.md §2 "Estimators", §5 E2A): ε and S by trapezoid in t over Monte-Carlo
// means (S with common random numbers across t and s_q from the CNF score), the Monte-Carlo KL with
// its standard error, and the regularity constants — each labelled with what kind of number it is.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fmkit/bounds/kl_bound.hpp"
#include "fmkit/field/model.hpp"
#include "fmkit/integrate/cnf.hpp"

namespace fm::bounds {

struct KlEstimateOptions {
  int grid = 101;          // equispaced times in [0, 1], both ends included
  Index n_eps = 4096;      // samples of p_t per time for ε² (fresh per time)
  Index n_score = 2048;    // samples per time for S, I_p, L_v, M_v (the same draws at every time)
  Index n_kl = 20000;      // samples of p_1 for the KL
  std::uint64_t seed = 12345;
  // false skips S and so the Cauchy–Schwarz bound ε√S: the CNF score along the t-grid is the
  // costliest part, and A1ε + A2ε² does not need it.
  bool cs_bound = true;
  integrate::CnfOptions cnf;  // rtol 1e-6, atol 1e-8
  void validate() const;
};

// How much a number can be trusted.
struct Constant {
  double value = 0;
  // exact | closed_form | sampled (a lower estimate of a supremum) | monte_carlo (an unbiased mean,
  // with noise) | monte_carlo_to_1_minus_delta (the same over [0, 1 − δ] only, where the integrand
  // is infinite at t = 1) | rigorous_upper_bound | unavailable
  std::string kind;
};

struct KlEstimate {
  double eps = 0;            // full-norm RMS (E‖v − u‖²)^{1/2} over p_t ⊗ dt
  double eps_per_coord = 0;  // eps/√d, the per-coordinate RMS the study once used
  double S = 0, kl = 0, kl_se = 0;
  double fisher_delta = 0;   // > 0: S and I_p integrated over [0, 1 − δ] (I(p₁) = ∞); 0: over [0, 1]
  Constant L_v, L_v_rigorous, M_v, I_p, I_0, L_0;
  KlBound bound;  // from the sampled L_v, M_v and I_p
  // The n_kl samples of p_1 the KL was estimated on, with log p and log q there (so TV and other
  // estimators can be scored on the same points).
  Mat x1;
  Vec log_p1, log_q1;
};

// The fewest t-grid points estimate_kl accepts for `truth`: 3 where I(p₁) = ∞ (S and I_p stop one
// step before t = 1 and need two nodes of their own), else 2. Studies check it at their parse.
int min_kl_grid(const field::Model& truth);

// `model` supplies v and its source; `truth` the exact path (u, log p_t, ∇log p_t, p_t sampler).
KlEstimate estimate_kl(const field::Model& model, const field::Model& truth, const KlEstimateOptions& opts);

// What can be estimated without the true path, for a target that has none in closed form (moons,
// checkerboard, a dataset): the model's L_v and M_v sampled on the linear interpolation between its
// source and `target` (independent pairs, n_score per time, the t-grid of estimate_kl), the MLP's
// rigorous L_v, and the source's I_0 and L_0. ε, S, I_p, the KL and the bound need u_t or p_t.
struct ModelConstants {
  Constant L_v, L_v_rigorous, M_v, I_0, L_0;
};
ModelConstants model_constants(const field::Model& model, const dist::Distribution& target,
                               const KlEstimateOptions& opts);
std::vector<std::pair<std::string, double>> named_values(const ModelConstants& c);

// The estimate as named numbers: the keys of `fm-bound kl --json` and the study's summary columns.
std::vector<std::pair<std::string, double>> named_values(const KlEstimate& e);

// The regularity constants by name, each with its kind (fm-bound's `<name>_kind` columns).
std::vector<std::pair<std::string, Constant>> named_constants(const KlEstimate& e);
std::vector<std::pair<std::string, Constant>> named_constants(const ModelConstants& c);

// A bound counts as violated only when KL exceeds it by more than 3 Monte-Carlo standard errors
// plus the CNF's numerical accuracy (log q at rtol 1e-6 is good to ~1e-6; an exact field's KL of
// ~5e-8 against a bound of 0 is solver error, not a violation).
inline constexpr double kKlTolerance = 1e-5;
inline bool kl_violates(double kl, double se, double bound) { return kl - 3 * se - kKlTolerance > bound; }

// Largest singular value of each point's d×d Jacobian (closed form for d = 2, SVD otherwise).
Vec spectral_norms(const Mat& jac, Index d);

}  // namespace fm::bounds
