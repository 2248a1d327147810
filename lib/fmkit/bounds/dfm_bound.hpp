// The DFM bound calculator (theory/dfm.md §6.2): the brackets of the paper's theorem and of the
// follow-up, their step complexity and the early-stopping bias. The brackets' structure is
// recalled, not verified against the papers: each has an unknown universal constant C, so they
// are reported as brackets with implied constants KL/B, never as guarantees. The explicit,
// rigorous chain (ε² + D_h)/σ² lives with its evaluator (dfm_evaluate).
#pragma once
#include <string>

#include "fmkit/bounds/dfm_moments.hpp"
#include "fmkit/integrate/grid.hpp"

namespace fm::bounds {

inline constexpr const char* kRecalledFlag = "structure recalled, not verified; constant unknown";

struct DfmBrackets {
  double h = 0;          // the grid's step parameter: 1/N (G1), (1−δ)/N (G2), 1/(2M) (G3)
  double F_orig = 0;     // d⁴ + M8(μ) + M8(ν*) + S8(μ) + S8(ν*) + S8(π̃)
  double F_fu = 0;       // d(d² + Jn) on G1, d(d²/δ⁴ + Kn) on G2, d(d² + Kn) on G3
  double orig = 0;       // ε² + h F_orig (G1 only; NaN otherwise)
  double fu = 0;         // the follow-up bracket of this grid (FU1, FU2 or FU3)
  double w2 = 0;         // ε + √h(1 + h^{1/16})√(d(d² + Jn)) (G1 only; NaN otherwise)
  std::string fu_name;   // FU1 | FU2 | FU3
};

// grid_name is G1, G2, G2u or G3; n is N (G1/G2/G2u) or M (G3).
DfmBrackets dfm_brackets(double eps2, const std::string& grid_name, long n, double delta, double d,
                         const DfmMoments& m);

// The number of steps for C·B ≤ η (−1: unreachable, C ε² ≥ η). `orig` uses B_orig on G1; otherwise
// the grid's follow-up bracket (returns N, including G3's geometric steps).
long dfm_steps_needed(bool orig, double eps2, const std::string& grid_name, double delta, double d,
                      const DfmMoments& m, double C, double eta);

// W2²(ν*_{1−δ}, ν*) ≤ δ² E‖X0 − X1‖² + σ² δ(1−δ) d.
double early_stop_w2_bias(double delta, double mean_sq_gap, double sigma2, double d);

}  // namespace fm::bounds
