#include "fmkit/dist/dataset.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::dist {

Dataset::Dataset(Mat points, bool standardize, std::string origin)
    : points_(std::move(points)), origin_(std::move(origin)) {
  if (points_.rows() == 0) usage_error(origin_ + ": the data set is empty");
  shift_ = Vec::Zero(points_.cols());
  if (standardize) {
    shift_ = points_.colwise().mean().transpose();
    points_.rowwise() -= shift_.transpose();
    const double s2 = points_.squaredNorm() / static_cast<double>(points_.size());
    if (!(s2 > 0)) usage_error(origin_ + ": cannot standardise a data set whose points are all equal");
    scale_ = std::sqrt(s2);
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
