// Draws training targets: fresh samples of a distribution, or points of a finite training set
// with replacement or without (epoch-wise reshuffling). Everything is a function of
// (seed, step), so a resumed run draws exactly what an uninterrupted one would.
#pragma once
#include <cstdint>
#include <vector>

#include "fmkit/dist/distribution.hpp"

namespace fm::coupling {

class TargetSampler {
 public:
  // A distribution sampled afresh each step.
  TargetSampler(dist::DistributionPtr target, std::uint64_t seed);
  // A finite training set; `replacement` false walks epoch permutations.
  TargetSampler(Mat points, bool replacement, std::uint64_t seed);

  Index dim() const;
  Mat draw(long step, Index n) const;
  bool finite() const { return !target_; }
  const Mat& points() const { return points_; }  // the finite training set (empty otherwise)

 private:
  std::vector<Index> epoch_order(long epoch) const;
  dist::DistributionPtr target_;
  Mat points_;
  bool replacement_ = true;
  std::uint64_t seed_;
};

}  // namespace fm::coupling
