// The one kernel behind every closed-form field: F(x) = Σ_j r_j(x) (c_j + M_j (x − m_j)) with
// responsibilities r_j ∝ w_j N(x; m_j, Σ_j). The marginal velocity, the bridge drift and the
// score of a Gaussian-mixture path all have this form (per component, E[·|X_t = x] is affine),
// so their Jacobians, divergences and ∇div come from one set of formulas (theory/kl_bound.md §4c,
// generalised to full covariances).
#pragma once
#include <vector>

#include "fmkit/core/derivatives.hpp"

namespace fm::path {

struct AffineComponent {
  double log_weight = 0;  // log w_j
  Vec mean;               // m_j
  Square prec;            // P_j = Σ_j⁻¹
  double log_norm = 0;    // −½(d log 2π + log det Σ_j)
  Vec offset;             // c_j
  Square gain;            // M_j
};

struct AffineMixture {
  Index d = 0;
  std::vector<AffineComponent> comps;
};

// Evaluates what `want` asks for; `log_density`, when given, receives log Σ_j w_j N(x; m_j, Σ_j).
void evaluate(const AffineMixture& am, const Mat& x, unsigned want, Derivs& out, Vec* log_density = nullptr);

}  // namespace fm::path
