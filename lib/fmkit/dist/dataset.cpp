#include "fmkit/dist/dataset.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::dist {

double scalar_scale(const Mat& points) {
  const RowVec m = points.colwise().mean();
  return std::sqrt((points.rowwise() - m).squaredNorm() / static_cast<double>(points.size()));
}

Dataset::Dataset(Mat points, bool standardize, std::string origin)
    : points_(std::move(points)), origin_(std::move(origin)) {
  if (points_.rows() == 0) usage_error(origin_ + ": the data set is empty");
  shift_ = Vec::Zero(points_.cols());
  if (standardize) {
    shift_ = points_.colwise().mean().transpose();
    scale_ = scalar_scale(points_);
    if (!(scale_ > 0)) usage_error(origin_ + ": cannot standardise a data set whose points are all equal");
    points_.rowwise() -= shift_.transpose();
    points_ /= scale_;
  }
}

Mat Dataset::sample(Index n, Rng& rng) const {
  Mat x(n, dim());
  const auto N = static_cast<std::uint64_t>(points_.rows());
  for (Index i = 0; i < n; ++i) x.row(i) = points_.row(static_cast<Index>(rng.below(N)));
  return x;
}

}  // namespace fm::dist
