// Draws training targets: fresh samples of a distribution, or points of a finite training set
// with replacement or without (epoch-wise reshuffling). Everything is a function of
// (seed, step), so a resumed run draws exactly what an uninterrupted one would. A conditional
// run's targets carry their conditions (theory/sdfm_variants.md §1): the class of a labelled
// distribution's draw, or the condition row of a training point.
#pragma once
#include <cstdint>
#include <vector>

#include "fmkit/dist/conditions.hpp"
#include "fmkit/dist/distribution.hpp"

namespace fm::coupling {

class TargetSampler {
 public:
  // A distribution sampled afresh each step; `labelled` draws its class labels too.
  TargetSampler(dist::DistributionPtr target, std::uint64_t seed, bool labelled = false);
  // A finite training set with optional per-point conditions; `replacement` false walks epoch
  // permutations.
  TargetSampler(Mat points, bool replacement, std::uint64_t seed, dist::Conditions conditions = {});

  Index dim() const;
  // n targets of step `step`, and their conditions in `z` when the targets are conditional.
  Mat draw(long step, Index n, dist::Conditions* z = nullptr) const;
  bool finite() const { return !target_; }
  bool conditional() const { return classes() > 0 || !conditions_.empty(); }
  Index classes() const;  // > 0: the conditions are class labels
  const Mat& points() const { return points_; }  // the finite training set (empty otherwise)
  const dist::Conditions& conditions() const { return conditions_; }  // of the finite set

 private:
  std::vector<Index> rows(long step, Index n) const;  // the training-set rows of a step
  std::vector<Index> epoch_order(long epoch) const;
  dist::DistributionPtr target_;
  bool labelled_ = false;
  Mat points_;
  dist::Conditions conditions_;
  bool replacement_ = true;
  std::uint64_t seed_;
};

}  // namespace fm::coupling
