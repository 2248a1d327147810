// The TV-rate study (theory/tv_rate.md): for each target and sample size n, R independent
// training sets; an FM velocity trained on each by one fixed capacity/early-stopping rule (the
// best held-out FM loss is kept); ε_n against the exact velocity (closed form, or 1-D quadrature
// for the holder family), KL and TV through the CNF at fixed fresh samples of p, the constants of
// A1ε + A2ε² as in `fm-bound kl --model`; a Gaussian KDE on the same samples with the
// likelihood-cross-validated and the oracle-rate bandwidth; then log–log rate fits with bootstrap
// intervals beside the references.
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"

namespace fm::study {

cfg::json tv_study_defaults();
std::set<std::string> tv_study_opaque();

// /summary: one row per (target, n, rep); /fits: one row per (target, quantity).
// Checks every key (types, ranges, the training recipe) before any work; run_tv_study calls it.
void validate_tv_study(const cfg::json& config);
StudyTables run_tv_study(const cfg::json& config, io::H5File* output);

}  // namespace fm::study
