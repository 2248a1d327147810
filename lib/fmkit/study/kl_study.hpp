// The KL-bound study (theory/kl_bound.md §5): E0 the closed-form identity for the six ordered
// schedule pairs; E2A the bound for perturbed schedule velocities; and the toolkit's mixture
// extensions G0 (ODE-free identity) and G2A (perturbation families on an ε grid, d = 2…32).
// Every case is a /summary row with ε, S, KL ± s.e., ε√S, A1, A2, A1ε + A2ε², the ratios and a
// violation flag set only when KL exceeds a bound by more than 3 standard errors.
#pragma once
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"

namespace fm::study {

cfg::json kl_study_defaults();

// Checks every key of a resolved config (types, ranges, lists) before any stage runs, so a bad
// last stage fails at once with the key's name rather than after the stages before it.
void validate_kl_study(const cfg::json& config);

// Runs the enabled experiments, writes their curves into `out` (may be null) and returns the
// summary table.
StudyTables run_kl_study(const cfg::json& config, io::H5File* out);

}  // namespace fm::study
