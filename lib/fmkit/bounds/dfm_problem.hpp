// A DFM problem (theory/dfm.md §3): source μ, target ν*, their coupling π and the noise σ², as the
// exact Brownian-bridge path, plus the structure the exact KL evaluators exploit:
//   gaussian  one coupling block (any d, correlated): the EM law is Gaussian (§4.1);
//   diagonal  one block with diagonal S0, S1, C: d independent 1-D problems;
//   separable (Σ_j w_j N(a_j, s²)) ⊗ N(0, s_⊥² I_{d−1}) from N(0, I) (§4.3).
// Spec: {"dim": d, "source": S, "target": T, "coupling": C}. Targets: gaussian and gmm specs,
// {"type": "point", "mean": [..]} (a point mass; early stopping only) and {"type":
// "separable_gmm", "weights", "means", "stds", "s_perp"}. "dim" broadcasts one-entry means of
// gaussian/point specs (isotropic families for d-sweeps). Couplings: independent (default),
// {"type": "gaussian", "cross_cov": C | "rho": ρ}, {"type": "blocks", "weights": W} (component
// pairing of mixtures; W's rows and columns sum to the source and target weights).
#pragma once
#include <memory>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/gmm.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

namespace fm::bounds {

struct DfmProblem {
  Index dim = 1;
  double sigma2 = 1;
  std::shared_ptr<const path::GaussianMixturePath> path;  // the exact path of π
  std::shared_ptr<const dist::GaussianMixture> source;    // μ
  bool singular_target = false;                           // a point mass: KL(ν*‖·) is infinite
  bool diagonal = false;
  // Separable targets: coordinate 0 follows `first`, each other coordinate `perp` (both 1-D).
  std::shared_ptr<const path::GaussianMixturePath> first, perp;

  bool gaussian() const { return path->blocks().size() == 1; }
  bool separable() const { return static_cast<bool>(first); }
  // The 1-D problem of coordinate c (diagonal problems).
  path::GaussianMixturePath coordinate(Index c) const;
  double mean_sq_gap() const;  // E‖X0 − X1‖²
};

DfmProblem make_dfm_problem(const cfg::json& spec, double sigma2, const std::string& where);

}  // namespace fm::bounds
