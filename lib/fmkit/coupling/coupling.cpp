#include "fmkit/coupling/coupling.hpp"

#include "fmkit/core/error.hpp"

namespace fm::coupling {

void Coupling::diagnostics(io::Summary& s) const {
  s.set("coupling", name());
  s.set("pairing_s_per_pair", pairs_ > 0 ? seconds_ / static_cast<double>(pairs_) : 0.0);
}

void Coupling::restore_counters(const std::vector<double>& c) {
  if (c.size() != 2)
    usage_error("--resume: the checkpoint's coupling counters do not match coupling '" + name() + "'");
  seconds_ = c[0];
  pairs_ = static_cast<long>(c[1]);
}

IndependentCoupling::IndependentCoupling(dist::DistributionPtr source, TargetSampler target, std::uint64_t seed)
    : source_(std::move(source)), target_(std::move(target)), seed_(seed) {
  FM_REQUIRE(source_->dim() == target_.dim(), "source has dimension " + std::to_string(source_->dim()) +
                                                  " but target has dimension " + std::to_string(target_.dim()));
}

void IndependentCoupling::draw(long step, Index n, PairBatch& out) {
  Rng rng(seed_, "train/source", static_cast<std::uint64_t>(step));
  out.x0 = source_->sample(n, rng);
  out.x1 = target_.draw(step, n, &out.z);  // with its label: x₁ is drawn from the class of z
  pairs_ += n;  // independent pairing costs nothing beyond the draws
}

}  // namespace fm::coupling
