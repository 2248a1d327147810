// The softmax cell weights of the ε > 0 semidiscrete problem (theory/sdfm.md §1), used without
// the n × N matrix: s(x)_j = b_j e^{(g_j + ⟨x, y_j⟩)/ε} / Σ_k b_k e^{(g_k + ⟨x, y_k⟩)/ε}.
// The SGD step and the χ² check need the batch's column sums, the ε > 0 coupling one atom drawn
// per query. Both run one blocked kernel: 32 rows' logits at a time in one thread's buffer, and
// the exp skipped on 64-atom blocks too far below the row maximum to matter (their total weight
// is under 1e-16 of the row's sum, the sum's own rounding).
#pragma once
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::ot {

// Column sums of the softmax cell weights of a batch, and of their squares when `squares`. Rows
// are summed in fixed 128-row chunks, added in chunk order, so the result does not depend on the
// thread count. Equal to cell_weights(x, y, g, b, eps).colwise().sum() up to rounding.
struct SoftCellSums {
  Vec col, col2;  // col2 empty unless squares
};
SoftCellSums soft_cell_sums(const Mat& x, const Mat& y, const Vec& g, const Vec& b, double eps, bool squares);

// One atom per row of x, drawn from its softmax cell weights by inverse CDF at u[i] ∈ [0, 1): the
// first atom j (in index order) whose cumulative weight exceeds u[i]. The same draw as scanning a
// row of cell_weights up to rounding at the cell boundaries; a zero-weight atom is never drawn.
// Each row is independent, so the thread count does not change the result.
std::vector<Index> soft_cell_draw(const Mat& x, const Mat& y, const Vec& g, const Vec& b, double eps,
                                  const std::vector<double>& u);

}  // namespace fm::ot
