// One DFM evaluation (theory/dfm.md §4–§6): for a problem, a drift (exact, a controlled
// perturbation calibrated on the sampling grid, or a learned model) and a grid, the measured
// KL_marg = KL(ν*‖Law(Y_N)) where computable, KL_path (± s.e.), the explicit chain (ε² + D_h)/σ²,
// the recalled brackets with implied constants, and the step complexity. Shared by `fm-bound dfm`
// and `fm-dfm-study`.
//
// KL_marg methods, each refusing (usage error) where it does not apply:
//   gaussian    one coupling block and an affine drift: exact moment propagation, any d;
//   separable   separable mixture targets: the 1-D mixture on the grid + (d−1) Gaussian coordinates;
//   grid        d ≤ 2: Nyström propagation of the EM density;
//   none        not computed.
// KL_path: exact (Simpson) for Gaussian problems with affine drifts, else Monte Carlo.
#pragma once
#include <limits>
#include <string>

#include "fmkit/bounds/dfm_bound.hpp"
#include "fmkit/bounds/dfm_kl_path.hpp"
#include "fmkit/bounds/dfm_moments.hpp"
#include "fmkit/bounds/dfm_problem.hpp"
#include "fmkit/field/perturbed_field.hpp"
#include "fmkit/integrate/em_density_grid.hpp"
#include "fmkit/io/summary.hpp"

namespace fm::bounds {

struct DfmDrift {
  bool perturbed = false;
  field::Perturbation perturbation;                      // its β, or
  double eps = std::numeric_limits<double>::quiet_NaN();  // ε to calibrate on the grid (ε² = Σ h g(t_k))
  field::FieldPtr model;                                 // a learned drift (replaces the exact one)
  std::string label() const;
};

// A perturbation spec (field::parse_perturbation keys; "eps" is calibrated on each grid).
DfmDrift parse_dfm_perturbation(const cfg::json& spec, Index d, const std::string& where);

struct DfmOptions {
  std::string grid = "G1";
  long steps = 64;   // N (G1, G2, G2u) or M (G3)
  double delta = 0;  // early stopping, 0 < δ < 1/2 for G2/G2u/G3
  std::string kl_method = "auto";    // auto | gaussian | separable | grid | none
  std::string path_method = "auto";  // auto | gaussian | monte_carlo | none
  McPathOptions mc;
  integrate::DensityGridOptions box;  // box.L = 0: chosen from the problem's means and scales
  long eps_samples = 20000;           // per grid time, for a learned drift's ε²
  double constant = 1;                // C for the step complexity
  bool constant_assumed = true;       // C = 1 stands in for the theory's unknown constant (not given)
  double target_kl = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t seed = 12345;
  // Usage error unless every name is known and every number finite and in range (box.L = 0 keeps
  // meaning "automatic"); messages name fm-bound dfm's flags. evaluate_dfm calls it first.
  void validate() const;
};

// Every number of one evaluation, in a fixed order (see docs/fm-bound.md for the keys).
io::Summary evaluate_dfm(const DfmProblem& problem, const DfmDrift& drift, const DfmMoments& moments,
                         const DfmOptions& opts);

// ε² = Σ_k h_{k+1} E_{p_{t_k}}‖δ(t_k, X)‖² of a perturbation on a grid (exact).
double grid_eps2(const field::Perturbation& p, const path::GaussianMixturePath& path, const integrate::Grid& grid);

}  // namespace fm::bounds
