// The one way fmkit splits a finite data set: a seeded permutation of the rows, the first
// n_first of them in one part and the next n_second in the other (training/validation in the
// trainer, training/test in the SD-FM study).
#pragma once
#include "fmkit/core/rng.hpp"
#include "fmkit/core/types.hpp"

namespace fm::dist {

struct RowSplit {
  Mat first, second;
};

// Needs n_first + n_second <= points.rows(); rows beyond them are left out.
RowSplit split_rows(const Mat& points, Index n_first, Index n_second, Rng& rng);

}  // namespace fm::dist
