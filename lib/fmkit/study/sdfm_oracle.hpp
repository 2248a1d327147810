// The oracle-velocity study of theory/sdfm.md §7: flow matching to a discrete target with the exact
// marginal velocity of each coupling (field/discrete_oracle_field), no network, so every effect is
// the coupling's. Per (dataset, coupling, Euler NFE): the fraction of samples that land on an atom
// (within 0.1 × the minimum atom separation), the χ² and TV of the landing histogram against b, the
// exact W2 to ν; per coupling: both curvatures, transport cost and path energy on a fine Euler grid,
// the irreducible loss L* = E‖X1 − X0 − v_t(X_t)‖² by Monte Carlo, and the potential's own χ².
#pragma once
#include <cstdint>

#include "fmkit/core/config.hpp"
#include "fmkit/io/table.hpp"

namespace fm::study {

// `oracle` is the study config's "oracle" block (keys: n, w2_n, euler, straightness_n, fine_steps,
// loss_n, datasets, couplings); an empty dataset list gives an empty table.
// Checks the oracle section's keys and sizes before any work (run_sdfm_oracle calls it too).
void validate_sdfm_oracle(const cfg::json& oracle);
io::Table run_sdfm_oracle(const cfg::json& oracle, std::uint64_t seed);

}  // namespace fm::study
