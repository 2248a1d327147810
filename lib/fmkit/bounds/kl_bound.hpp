// The toolkit's KL bound for flow matching (theory/kl_bound.md §2; our derivation of a bound of the
// paper's form, not the paper's constants): with ε² the L² flow-matching error over [0, T],
//   KL(p_T‖q_T) ≤ ε√S ≤ A1 ε + A2 ε²,
//   A1 = √I_p + √T [e^{L_v T} √I_0 + M_v (e^{L_v T} − 1)/L_v],
//   A2 = √T L_0 e^{L_v T} √((e^{2 L_v T} − 1)/(2 L_v)),
// and by Pinsker TV ≤ √(KL/2). Assumptions H1–H4 of the theory note (L_v, M_v global suprema).
#pragma once
#include <limits>

namespace fm::bounds {

struct KlConstants {
  double L_v = 0;   // sup ‖∇v‖_op (Lipschitz constant of the estimated velocity)
  double M_v = 0;   // sup ‖∇(∇·v)‖
  double I_p = 0;   // ∫₀ᵀ E_{p_t}‖∇log p_t‖² dt
  double I_0 = 0;   // E_{p_0}‖∇log p_0‖² (d for N(0, I))
  double L_0 = 1;   // Lipschitz constant of ∇log p_0 (1 for N(0, I))
  double T = 1;     // horizon
  void validate() const;  // non-negative and finite, T > 0
};

struct KlBound {
  double A1 = 0, A2 = 0;
  double kl_bound = 0;  // A1 ε + A2 ε²
  double tv_bound = 0;  // √(kl_bound / 2)
  double cs_bound = std::numeric_limits<double>::quiet_NaN();  // ε √S, when S is known
  double cs_tv = std::numeric_limits<double>::quiet_NaN();     // √(ε√S / 2)
};

// S < 0 means unknown (no Cauchy–Schwarz bound).
KlBound kl_bound(const KlConstants& c, double eps, double S = -1);

}  // namespace fm::bounds
