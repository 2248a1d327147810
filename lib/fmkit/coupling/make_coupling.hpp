// One place that knows the coupling types: checks a coupling spec without data (for a config's
// validating pass) and builds the coupling from it.
#pragma once
#include <memory>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/coupling/coupling.hpp"

namespace fm::coupling {

// A usage error naming `where` unless the spec is a coupling fmkit can build: independent,
// exact_ot, sinkhorn or semidiscrete, with keys and numbers in range. With the training batch
// (`batch` > 0), a minibatch coupling's ot_batch is checked against it too.
void validate_coupling_spec(const cfg::json& spec, const std::string& where, Index batch = 0);

// The training coupling of `spec` between `source` and the training points of `target`.
std::unique_ptr<Coupling> make_coupling(const cfg::json& spec, dist::DistributionPtr source, TargetSampler target,
                                        std::uint64_t seed);

}  // namespace fm::coupling
