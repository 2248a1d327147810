// A k-nearest-neighbour classifier (Euclidean distance), fitted on labelled training points: the
// judge of whether a conditional model's sample of class c looks like class c
// (theory/sdfm_variants.md §1). Its accuracy on generated samples is read beside its accuracy on
// held-out real points, the ceiling a perfect generator would reach.
#pragma once
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::metrics {

class KnnClassifier {
 public:
  // A usage error unless there is one label in [0, classes) per point and 1 <= k <= points.
  KnnClassifier(Mat points, std::vector<Index> labels, Index classes, Index k = 5);
  // The majority label of each row's k nearest training points; a tie goes to the tied class
  // whose nearest member is closest.
  std::vector<Index> predict(const Mat& x) const;
  // The fraction of rows whose prediction is their label.
  double accuracy(const Mat& x, const std::vector<Index>& labels) const;
  Index classes() const { return classes_; }

 private:
  Mat points_;
  Vec sq_norms_;
  std::vector<Index> labels_;
  Index classes_, k_;
};

}  // namespace fm::metrics
