// A finite data set (the empirical distribution of its points), optionally standardised by
// the training mean and ONE scalar scale s² = mean‖y − m‖²/d (a per-coordinate scale would
// break Brenier maps and divide by zero on constant pixels).
#pragma once
#include "fmkit/dist/distribution.hpp"

namespace fm::dist {

// The one scalar scale of a point set: √(mean‖y − m‖²/d), m the mean point.
double scalar_scale(const Mat& points);

class Dataset : public Distribution {
 public:
  Dataset(Mat points, bool standardize, std::string origin = "dataset");
  // A labelled data set: one integer class per point, 0 <= label < classes (usage error otherwise).
  Dataset(Mat points, std::vector<Index> labels, bool standardize, std::string origin = "dataset");
  Index dim() const override { return points_.cols(); }
  Mat sample(Index n, Rng& rng) const override;  // with replacement
  Index classes() const override { return classes_; }
  Mat sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const override;
  const std::vector<Index>& labels() const { return labels_; }  // empty: unlabelled
  std::string name() const override { return "dataset:" + origin_; }

  const Mat& points() const { return points_; }
  const Vec& shift() const { return shift_; }  // mean removed (zero if not standardised)
  double scale() const { return scale_; }      // divisor applied (1 if not standardised)

 private:
  Mat points_;
  Vec shift_;
  double scale_ = 1.0;
  std::string origin_;
  std::vector<Index> labels_;
  Index classes_ = 0;
};

}  // namespace fm::dist
