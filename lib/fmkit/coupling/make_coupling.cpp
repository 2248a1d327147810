#include "fmkit/coupling/make_coupling.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/coupling/minibatch_ot.hpp"
#include "fmkit/coupling/semidiscrete_coupling.hpp"

namespace fm::coupling {

void validate_coupling_spec(const cfg::json& spec, const std::string& where, Index batch) {
  const std::string type = cfg::string(spec, "type", where);
  if (type == "independent") cfg::expect_keys(spec, where, {"type"});
  else if (type == "exact_ot" || type == "sinkhorn") {
    const MinibatchOtSpec sp = parse_minibatch_ot_spec(spec, where);
    if (batch > 0) sp.resolved_ot_batch(batch, where);
  } else if (type == "semidiscrete") parse_semidiscrete_spec(spec, where);
  else
    usage_error(where + ".type: unknown coupling '" + type +
                "' (expected independent, exact_ot, sinkhorn or semidiscrete)");
}

std::unique_ptr<Coupling> make_coupling(const cfg::json& spec, dist::DistributionPtr source, TargetSampler target,
                                        std::uint64_t seed) {
  validate_coupling_spec(spec, "coupling");
  const std::string type = spec["type"].get<std::string>();
  if (type == "exact_ot" || type == "sinkhorn")
    return std::make_unique<MinibatchOtCoupling>(spec, std::move(source), std::move(target), seed);
  if (type == "semidiscrete") return std::make_unique<SemidiscreteCoupling>(spec, std::move(source), target, seed);
  return std::make_unique<IndependentCoupling>(std::move(source), std::move(target), seed);
}

}  // namespace fm::coupling
