// Entropic OT by Sinkhorn iterations in the log domain (theory/sdfm.md §5):
//   f_i = −ε LSE_j((g_j − C_ij)/ε + log b_j),   g_j = −ε LSE_i((f_i − C_ij)/ε + log a_i),
//   P_ij = a_i b_j exp((f_i + g_j − C_ij)/ε).
// One fused pass per half-iteration (row max, then Σ exp), vectorised, parallel over rows with a
// row-major copy of Cᵀ for the column half; rows are independent, so results do not depend on the
// thread count. After an f-update the rows are exact and the column marginal is
// b_j exp((g_old − g_new)/ε), so the L1 marginal error comes free with each g-update; the returned
// (f, g) is the plan with exact rows and that error. Kernel mode exists only as an ablation and
// refuses (numerical_error) where exp underflows.
//
// Over-relaxation (Thibault et al. 2021; Lehmann et al. 2022): f ← (1 − ω) f + ω T(g), the same for
// g, with 1 ≤ ω < 2. Plain Sinkhorn contracts its error by a rate θ per iteration; ω* =
// 2/(1 + √(1 − θ)) makes that rate about 1 − √(1 − θ), the square root of the iteration count
// at small ε. The automatic ω measures θ on plain iterations first. A relaxed f is not the
// c-transform of g, so the returned plan then has a row error too; it is computed free (the row
// sums of (f, g) are a_i exp((f_i − T(g)_i)/ε)) and the stop requires both errors below tol.
#pragma once
#include <string>

#include "fmkit/core/status.hpp"
#include "fmkit/core/types.hpp"
#include "fmkit/io/summary.hpp"

namespace fm::ot {

// The marginal-error norm the stop uses: L1 (Σ_j |col_j − b_j|, fmkit's default, an upper bound on
// twice the TV distance of the marginals) or L2 (‖col − b‖₂, POT's stopThr criterion).
enum class MarginalNorm { L1, L2 };
std::string to_string(MarginalNorm n);

struct SinkhornOptions {
  double eps = 0;            // absolute ε > 0
  double tol = 1e-3;         // stop when the marginal error, in `norm`, is < tol
  MarginalNorm norm = MarginalNorm::L1;
  double omega = 1;          // over-relaxation: 1 is plain Sinkhorn; in (1, 2) fixed from iteration 2
  bool omega_auto = false;   // ω* from the contraction rate of the first plain iterations (omega ignored)
  long max_iter = 5000;
  bool single_precision = false;  // float kernel: ≈ 2× faster, marginal errors below ~1e-5 unreachable
  bool eps_scaling = false;  // solve at ε·2^k, …, 2ε, ε (each warm-starting the next), k from std(C)/ε
  bool kernel_mode = false;  // ablation: u, v scalings of K = e^{−C/ε}; refused past underflow
  Vec f0, g0;                // warm start (empty: zeros)
  void validate() const;     // usage error unless eps > 0, tol > 0, 1 ≤ omega < 2 are finite and max_iter in range
};

struct SinkhornResult {
  Vec f, g;
  Status status = Status::Converged;
  long iterations = 0;
  double marginal_error = 0;     // L1 column error of the returned plan
  double marginal_error_l2 = 0;  // its L2 column error (POT's criterion)
  double row_error = 0;          // L1 row error: 0 (exact rows) unless over-relaxed
  MarginalNorm norm = MarginalNorm::L1;  // the norm the stop used
  double omega = 1;              // the relaxation the last iteration used (after an automatic choice)
  long omega_iteration = 0;      // the iteration an automatic ω was chosen at (0: never)
  double cost = 0;            // ⟨C, P⟩
  double entropy = 0;         // E(P) = 2H(P)/(H(a) + H(b)) − 1: 0 for a permutation, 1 for a ⊗ b
  double eps = 0;             // the plan's ε: the requested one, or a coarser ε-scaling stage's if
                              // the iterations ran out there (status max_iterations)
  double seconds = 0;
  std::string brief() const;
  // status, cost, the marginal errors, iterations, ω, eps, entropy, solve_time_s and the time per
  // entry and iteration of an n × m problem.
  void summarize(io::Summary& s, Index n, Index m) const;
};

// a (n) and b (m) must be non-negative, finite and sum to 1; C (n × m) finite.
SinkhornResult sinkhorn(const Mat& C, const Vec& a, const Vec& b, const SinkhornOptions& opts);

// The plan of a solution (n × m).
Mat sinkhorn_plan(const Mat& C, const Vec& a, const Vec& b, const SinkhornResult& r);

// One column per row of the plan by inverse CDF, without the n × m plan: row i's draw is the j
// where u_i · Σ_k P_ik first falls below P_i1 + … + P_ij. u (n values in [0, 1)) is the caller's,
// so draws depend neither on the thread count nor on the schedule. Each row is computed with
// sinkhorn_plan's operations in its order.
std::vector<Index> sinkhorn_row_draws(const Mat& C, const Vec& a, const Vec& b, const SinkhornResult& r,
                                      const std::vector<double>& u);

// The soft c-transform f(x_i) = −ε log Σ_j b_j exp((g_j − C_ij)/ε): warm starts on new points.
Vec soft_c_transform(const Mat& C, const Vec& b, const Vec& g, double eps);

// Checks marginal weights: non-negative, finite, summing to 1 (within 1e-9), of length n.
void check_weights(const Vec& w, Index n, const std::string& where);

}  // namespace fm::ot
