#include "fmkit/coupling/target_sampler.hpp"


#include "fmkit/core/error.hpp"

namespace fm::coupling {

TargetSampler::TargetSampler(dist::DistributionPtr target, std::uint64_t seed) : target_(std::move(target)), seed_(seed) {}

TargetSampler::TargetSampler(Mat points, bool replacement, std::uint64_t seed)
    : points_(std::move(points)), replacement_(replacement), seed_(seed) {
  FM_REQUIRE(points_.rows() > 0, "training set is empty");
}

Index TargetSampler::dim() const { return target_ ? target_->dim() : points_.cols(); }

std::vector<Index> TargetSampler::epoch_order(long epoch) const {
  Rng rng(seed_, "train/epoch-order", static_cast<std::uint64_t>(epoch));
  return rng.permutation(points_.rows());
}

Mat TargetSampler::draw(long step, Index n) const {
  if (target_) {
    Rng rng(seed_, "train/target", static_cast<std::uint64_t>(step));
    return target_->sample(n, rng);
  }
  const Index N = points_.rows();
  Mat out(n, points_.cols());
  if (replacement_) {
    Rng rng(seed_, "train/target", static_cast<std::uint64_t>(step));
    for (Index i = 0; i < n; ++i) out.row(i) = points_.row(static_cast<Index>(rng.below(static_cast<std::uint64_t>(N))));
    return out;
  }
  // Pair p of the whole run is position p mod N of epoch p / N.
  long cached_epoch = -1;
  std::vector<Index> order;
  for (Index i = 0; i < n; ++i) {
    const long p = step * n + i;
    const long epoch = p / N;
    if (epoch != cached_epoch) order = epoch_order(cached_epoch = epoch);
    out.row(i) = points_.row(order[static_cast<std::size_t>(p % N)]);
  }
  return out;
}

}  // namespace fm::coupling
