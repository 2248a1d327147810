// Exact OT by LEMON's network simplex on the complete bipartite graph: the optimal assignment
// between two equal-size uniform point sets (the permutation σ minimising Σ_i C[i, σ(i)]), and
// the optimal plan for general weights a, b (scaled to integers with 2^40 units of mass, so the
// plan is exact to ~1e-12 per entry).
#pragma once
#include <limits>
#include <string>
#include <vector>

#include "fmkit/core/status.hpp"
#include "fmkit/core/types.hpp"
#include "fmkit/io/summary.hpp"

namespace fm::ot {

struct AssignmentResult {
  Status status = Status::Converged;  // network simplex is exact: converged or numerical_error
  double cost = 0;                    // Σ_i C[i, σ(i)] / n (the mean cost)
  std::vector<Index> assignment;      // σ: row i is paired with column assignment[i]
  double seconds = 0;
  std::string brief() const;
  void summarize(io::Summary& s) const;  // status, cost, marginal_error (0), iterations, solve_time_s
};

// Costs must be finite; n×n with n ≥ 1.
AssignmentResult exact_assignment(const Mat& cost);

struct ExactOtResult {
  Status status = Status::Converged;
  double cost = 0;  // ⟨C, P⟩
  Mat plan;         // n × m
  double marginal_error = std::numeric_limits<double>::quiet_NaN();  // L1 row + column error of the plan
  double seconds = 0;
  std::string brief() const;
  void summarize(io::Summary& s) const;  // status, cost, marginal_error, iterations, solve_time_s
};

// a, b: non-negative weights summing to 1 (checked by the caller); C finite.
ExactOtResult exact_ot(const Mat& cost, const Vec& a, const Vec& b);

// ‖x_i − y_j‖² for all pairs (n × m), by the GEMM identity with a non-negativity clamp.
Mat sq_euclidean_cost(const Mat& x, const Mat& y);

}  // namespace fm::ot
