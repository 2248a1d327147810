// The TV-rate study (theory/tv_rate.md): for each target and sample size n, R independent
// training sets; an FM velocity trained on each by one capacity/early-stopping rule, fixed or
// scaled with n by power laws (the best held-out FM loss is kept), and the rule's floor on fresh
// samples; ε_n against the exact velocity (closed form, or 1-D quadrature
// for the holder family), KL and TV through the CNF at fixed fresh samples of p, the constants of
// A1ε + A2ε² as in `fm-bound kl --model`; a Gaussian KDE on the same samples with the
// likelihood-cross-validated and the oracle-rate bandwidth; then log–log rate fits with bootstrap
// intervals beside the references.
#pragma once
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "fmkit/bounds/kl_estimators.hpp"
#include "fmkit/core/config.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/field/model.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/study/unit_checkpoint.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::study {

// One target of config.targets, with what its rows are read against.
struct TvTarget {
  std::string name;
  cfg::json spec;  // the distribution spec (dist/spec)
  Index dim = 1;
  double beta = std::numeric_limits<double>::infinity();  // ∞: smooth
  double minimax = 0.5;   // β/(2β+d), or ½ for a smooth target
  double kde_beta = 2;    // the Gaussian kernel is of order 2: its bias is O(h^min(β,2))
  dist::DistributionPtr dist;
  field::Model truth;     // the exact velocity of its linear path
};

// The study's config, parsed and checked.
struct TvStudySpec {
  std::uint64_t seed = 0;
  std::vector<TvTarget> targets;
  std::vector<bool> selected;  // config.only
  std::vector<long long> n;    // sorted
  long long reps = 1, floor_reps = 0;
  double fit_n_min = 0;
  // train.scale: the rule at n multiplies steps, batch, the hidden widths and val_size by
  // (n / n_ref)^exponent (all exponents 0: one fixed rule for every n).
  struct Scale {
    long long n_ref = 1;
    double steps = 0, batch = 0, width = 0, val_size = 0;
    bool any() const { return steps != 0 || batch != 0 || width != 0 || val_size != 0; }
  } scale;
  // recipes[i]: the rule at n[i] (all equal when unscaled); its target, data and seed are set per fit.
  std::vector<train::TrainSpec> recipes;
  bounds::KlEstimateOptions eval;  // its seed is eval_seed + the target's index
  std::uint64_t eval_seed = 0;
  struct Kde {
    Index cv_points = 4096;
    double h_lo = 1e-3, h_hi = 2;  // the bandwidth bracket, relative to the sample's spread
  } kde;
  struct Bootstrap {
    int resamples = 2000;
    double level = 0.9;
  } bootstrap;
};

cfg::json tv_study_defaults();
std::set<std::string> tv_study_opaque();

// Every key (types, ranges, the training recipe, the targets) checked once, before any work.
TvStudySpec parse_tv_study(const cfg::json& config);
// /summary: one row per (target, n, rep); /fits: one row per (target, quantity). Each finished
// (target, n, rep) unit is recorded in `checkpoint`, and a unit it already holds is not run again.
StudyTables run_tv_study(const TvStudySpec& spec, io::H5File* output, StudyProgress& progress,
                         UnitCheckpoint& checkpoint);

}  // namespace fm::study
