#include "fmkit/coupling/target_sampler.hpp"

#include "fmkit/core/error.hpp"

namespace fm::coupling {

TargetSampler::TargetSampler(dist::DistributionPtr target, std::uint64_t seed, bool labelled)
    : target_(std::move(target)), labelled_(labelled), seed_(seed) {
  if (labelled_ && target_->classes() == 0)
    usage_error("target " + target_->name() + ": has no class labels to condition on");
}

TargetSampler::TargetSampler(Mat points, bool replacement, std::uint64_t seed, dist::Conditions conditions)
    : points_(std::move(points)), conditions_(std::move(conditions)), replacement_(replacement), seed_(seed) {
  FM_REQUIRE(points_.rows() > 0, "training set is empty");
  FM_REQUIRE(conditions_.empty() || conditions_.rows() == points_.rows(),
             "training set: one condition per point expected");
}

Index TargetSampler::dim() const { return target_ ? target_->dim() : points_.cols(); }

Index TargetSampler::classes() const { return target_ ? (labelled_ ? target_->classes() : 0) : conditions_.classes; }

std::vector<Index> TargetSampler::epoch_order(long epoch) const {
  Rng rng(seed_, "train/epoch-order", static_cast<std::uint64_t>(epoch));
  return rng.permutation(points_.rows());
}

std::vector<Index> TargetSampler::rows(long step, Index n) const {
  const Index N = points_.rows();
  std::vector<Index> out(static_cast<std::size_t>(n));
  if (replacement_) {
    Rng rng(seed_, "train/target", static_cast<std::uint64_t>(step));
    for (Index i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = static_cast<Index>(rng.below(static_cast<std::uint64_t>(N)));
    return out;
  }
  // Pair p of the whole run is position p mod N of epoch p / N.
  long cached_epoch = -1;
  std::vector<Index> order;
  for (Index i = 0; i < n; ++i) {
    const long p = step * n + i;
    const long epoch = p / N;
    if (epoch != cached_epoch) order = epoch_order(cached_epoch = epoch);
    out[static_cast<std::size_t>(i)] = order[static_cast<std::size_t>(p % N)];
  }
  return out;
}

Mat TargetSampler::draw(long step, Index n, dist::Conditions* z) const {
  if (target_) {
    Rng rng(seed_, "train/target", static_cast<std::uint64_t>(step));
    if (!labelled_) return target_->sample(n, rng);
    std::vector<Index> labels;
    Mat x = target_->sample_labelled(n, rng, labels);
    if (z) *z = dist::Conditions::from_labels(labels, target_->classes());
    return x;
  }
  const std::vector<Index> r = rows(step, n);
  Mat out(n, points_.cols());
  for (Index i = 0; i < n; ++i) out.row(i) = points_.row(r[static_cast<std::size_t>(i)]);
  if (z && !conditions_.empty()) *z = conditions_.gather(r);
  return out;
}

}  // namespace fm::coupling
