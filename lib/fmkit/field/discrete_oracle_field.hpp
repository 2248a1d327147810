// The exact marginal velocity of flow matching from μ = N(0, I) to a discrete target
// ν = Σ_j b_j δ_{y_j} under a coupling π(dx₀, j) = μ(dx₀) κ_j(x₀) (theory/sdfm.md §7), with no network:
//   x₀⁽ʲ⁾ = (x − t y_j)/(1 − t),   w_j(x, t) ∝ φ(x₀⁽ʲ⁾) κ_j(x₀⁽ʲ⁾),   v_t(x) = Σ_j w_j (y_j − x)/(1 − t)
// for the independent coupling κ_j = b_j (I-FM) or the semidiscrete one κ_j = s_{ε,g}(x₀)_j, the
// softmax of (log b_k + (g_k + ⟨x₀, y_k⟩)/ε) (ε > 0) or the indicator of the cell argmax_k g_k + ⟨x₀, y_k⟩
// (ε = 0, atoms with b_k > 0, ties to the lowest index) of a dot-cost potential g.
// Everything is in log space. The SD scores at x₀⁽ʲ⁾ are g_k + (⟨x, y_k⟩ − t G_jk)/(1 − t) with the
// Gram matrix G = Y Yᵀ precomputed, so one evaluation costs O(N d) (I-FM) or O(N d + N²) (SD) per point.
// The field is singular at t = 1 (the posterior collapses onto an atom), so evaluating there is an
// error: use solvers that never do (Euler), and straightness_euler for the curvatures.
#pragma once
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/field/velocity_field.hpp"

namespace fm::field {

class DiscreteOracleField : public VelocityField {
 public:
  // The independent coupling (I-FM).
  DiscreteOracleField(Mat y, Vec b);
  // The semidiscrete coupling of the dot-cost potential g at absolute ε ≥ 0.
  DiscreteOracleField(Mat y, Vec b, Vec g, double eps);

  Index dim() const override { return y_.cols(); }
  // Values only; t must lie in [0, 1).
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  void evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const override;
  std::string name() const override;

  // The posterior w(x, t) over atoms (n × N), rows summing to 1.
  Mat posterior(const Mat& x, double t) const;
  // Draws the atom index J ~ κ(x₀) of each source point (the coupling itself).
  std::vector<Index> draw_atoms(const Mat& x0, Rng& rng) const;

 private:
  Mat posterior_rows(const Mat& x, const Vec& t) const;
  void posterior_row(const double* xy, double xx, double t, double* w, double* work) const;
  void check_time(double t) const;

  Mat y_;       // N × d
  Vec b_, log_b_;
  Vec g_;       // empty: independent coupling
  double eps_ = 0;
  Mat gram_;    // Y Yᵀ (SD only)
  Vec sq_norm_; // ‖y_j‖²
};

}  // namespace fm::field
