// The SD-FM vs OT-FM vs FM training study (theory/sdfm.md §8): per dataset, one training set and
// one held-out test set (scalar standardisation from the training set), one MLP recipe, step
// count and batch for every coupling of that dataset (config.train, overridden key by key by the
// dataset's own "train": theory §8 trains wider and longer in higher d), several seeds; each
// trained velocity is sampled from one fixed noise set shared by all couplings (paired
// comparisons) with Euler at each NFE, Heun and Dopri5, and scored by exact W2 and energy
// distance to the test set; straightness (curv_ott, S_liu, transport cost) by a fine Dopri5
// solve; the coupling's pairing cost and diagnostics (Sinkhorn status/entropy, SD χ² and
// precompute time) from the training summary. The optional
// "oracle" block adds the network-free oracle-velocity study on discrete targets (sdfm_oracle.hpp).
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"

namespace fm::study {

cfg::json sdfm_study_defaults();
std::set<std::string> sdfm_study_opaque();

// /summary: one row per (dataset, coupling, seed, solver, NFE); /oracle (when the oracle block has
// datasets): one row per (dataset, coupling, Euler NFE); /mean_flow (config.mean_flow): one row per
// (dataset, coupling, seed, NFE); /conditional (config.conditional, sdfm_conditional.hpp): one row
// per (dataset, coupling, seed, guidance, solver, NFE), with sample grids for the plots under
// /conditional_samples when `output` is given (a sweep's gather keeps the tables only).
// The validating pass alone: every key, dataset, recipe and size, before any work.
void validate_sdfm_study(const cfg::json& config);
StudyTables run_sdfm_study(const cfg::json& config, io::H5File* output);

}  // namespace fm::study
