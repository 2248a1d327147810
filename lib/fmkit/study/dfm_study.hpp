// The DFM study (theory/dfm.md §7): E1 h-sweep, E2 ε-sweep, E3 d-sweep, E4 sharp targets and early
// stopping, E5 couplings, E6 σ-sweep, E7 learned drifts. An experiment is a list of blocks, each a
// problem family crossed with lists of σ², grids, steps, δ, perturbations, ε, dimensions and ρ;
// every combination is one /summary row from bounds::evaluate_dfm (KL_marg with its method,
// KL_path ± s.e., the chain, both brackets, the implied constants).
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"

namespace fm::study {

cfg::json dfm_study_defaults();
std::set<std::string> dfm_study_opaque();

// Runs every block of config["experiments"]; returns the summary table (one row per case).
// Checks every block and case (problem, sizes, grids, perturbations) before any work.
void validate_dfm_study(const cfg::json& config);
StudyTables run_dfm_study(const cfg::json& config, io::H5File* output);

}  // namespace fm::study
