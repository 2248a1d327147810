#include "fmkit/dist/row_split.hpp"

#include "fmkit/core/error.hpp"

namespace fm::dist {

RowSplit split_rows(const Mat& points, Index n_first, Index n_second, Rng& rng) {
  if (n_first < 0 || n_second < 0 || n_first + n_second > points.rows())
    usage_error("split: " + std::to_string(n_first) + " + " + std::to_string(n_second) + " rows asked of " +
                std::to_string(points.rows()));
  const std::vector<Index> perm = rng.permutation(points.rows());
  RowSplit s{Mat(n_first, points.cols()), Mat(n_second, points.cols())};
  for (Index i = 0; i < n_first; ++i) s.first.row(i) = points.row(perm[static_cast<std::size_t>(i)]);
  for (Index i = 0; i < n_second; ++i) s.second.row(i) = points.row(perm[static_cast<std::size_t>(n_first + i)]);
  return s;
}

}  // namespace fm::dist
