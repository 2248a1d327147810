#include "fmkit/metrics/knn_classifier.hpp"

#include <algorithm>
#include <numeric>

#include "fmkit/core/error.hpp"

namespace fm::metrics {

KnnClassifier::KnnClassifier(Mat points, std::vector<Index> labels, Index classes, Index k)
    : points_(std::move(points)), labels_(std::move(labels)), classes_(classes), k_(k) {
  if (points_.rows() == 0) usage_error("k-NN classifier: no training points");
  if (static_cast<Index>(labels_.size()) != points_.rows())
    usage_error("k-NN classifier: " + std::to_string(labels_.size()) + " labels for " +
                std::to_string(points_.rows()) + " points");
  if (classes_ < 1) usage_error("k-NN classifier: needs at least one class");
  for (Index l : labels_)
    if (l < 0 || l >= classes_) usage_error("k-NN classifier: label " + std::to_string(l) + " outside 0.." + std::to_string(classes_ - 1));
  if (k_ < 1 || k_ > points_.rows())
    usage_error("k-NN classifier: k = " + std::to_string(k_) + " must be in [1, " + std::to_string(points_.rows()) + "]");
  sq_norms_ = points_.rowwise().squaredNorm();
}

std::vector<Index> KnnClassifier::predict(const Mat& x) const {
  FM_REQUIRE(x.cols() == points_.cols(), "k-NN classifier: points have the wrong dimension");
  std::vector<Index> out(static_cast<std::size_t>(x.rows()));
  constexpr Index kChunk = 256;  // query rows per distance GEMM
  const auto N = static_cast<std::size_t>(points_.rows());
  std::vector<Index> order(N);
  std::vector<Index> votes(static_cast<std::size_t>(classes_));
  for (Index r0 = 0; r0 < x.rows(); r0 += kChunk) {
    const Index rows = std::min(kChunk, x.rows() - r0);
    // ‖x − y‖² up to the row's own ‖x‖², which does not change the order.
    const Mat d = (-2.0 * (x.middleRows(r0, rows) * points_.transpose())).rowwise() + sq_norms_.transpose();
    for (Index i = 0; i < rows; ++i) {
      std::iota(order.begin(), order.end(), Index{0});
      auto closer = [&](Index a, Index b) { return d(i, a) < d(i, b) || (d(i, a) == d(i, b) && a < b); };
      std::partial_sort(order.begin(), order.begin() + k_, order.end(), closer);
      std::fill(votes.begin(), votes.end(), 0);
      for (Index q = 0; q < k_; ++q) ++votes[static_cast<std::size_t>(labels_[static_cast<std::size_t>(order[static_cast<std::size_t>(q)])])];
      const Index top = *std::max_element(votes.begin(), votes.end());
      // The first of the nearest whose class has the top count.
      for (Index q = 0; q < k_; ++q) {
        const Index l = labels_[static_cast<std::size_t>(order[static_cast<std::size_t>(q)])];
        if (votes[static_cast<std::size_t>(l)] == top) {
          out[static_cast<std::size_t>(r0 + i)] = l;
          break;
        }
      }
    }
  }
  return out;
}

double KnnClassifier::accuracy(const Mat& x, const std::vector<Index>& labels) const {
  FM_REQUIRE(static_cast<Index>(labels.size()) == x.rows(), "k-NN classifier: one label per row expected");
  if (x.rows() == 0) return 0;
  const std::vector<Index> p = predict(x);
  Index hit = 0;
  for (std::size_t i = 0; i < p.size(); ++i) hit += p[i] == labels[i];
  return static_cast<double>(hit) / static_cast<double>(x.rows());
}

}  // namespace fm::metrics
