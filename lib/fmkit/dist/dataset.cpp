#include "fmkit/dist/dataset.hpp"

#include <algorithm>
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

Dataset::Dataset(Mat points, std::vector<Index> labels, bool standardize, std::string origin)
    : Dataset(std::move(points), standardize, std::move(origin)) {
  if (static_cast<Index>(labels.size()) != points_.rows())
    usage_error(origin_ + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(points_.rows()) + " points");
  for (Index l : labels)
    if (l < 0) usage_error(origin_ + ": class labels must be integers >= 0, found " + std::to_string(l));
  labels_ = std::move(labels);
  classes_ = labels_.empty() ? 0 : *std::max_element(labels_.begin(), labels_.end()) + 1;
}

Mat Dataset::sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const {
  if (classes_ == 0) return Distribution::sample_labelled(n, rng, labels);
  Mat x(n, dim());
  labels.resize(static_cast<std::size_t>(n));
  const auto N = static_cast<std::uint64_t>(points_.rows());
  for (Index i = 0; i < n; ++i) {
    const auto j = static_cast<Index>(rng.below(N));
    x.row(i) = points_.row(j);
    labels[static_cast<std::size_t>(i)] = labels_[static_cast<std::size_t>(j)];
  }
  return x;
}

Mat Dataset::sample(Index n, Rng& rng) const {
  Mat x(n, dim());
  const auto N = static_cast<std::uint64_t>(points_.rows());
  for (Index i = 0; i < n; ++i) x.row(i) = points_.row(static_cast<Index>(rng.below(N)));
  return x;
}

}  // namespace fm::dist
