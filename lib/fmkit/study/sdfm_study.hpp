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
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/study/sdfm_conditional.hpp"
#include "fmkit/study/sdfm_data.hpp"
#include "fmkit/study/sdfm_oracle.hpp"
#include "fmkit/study/sdfm_superres.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/train/objective.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::study {

// A coupling of the main or the mean-flow block: a label for people, the role the claims find it
// by (experiments/claims/sdfm_claims.py), and coupling::make_coupling's spec.
struct SdfmCoupling {
  std::string label, role;
  cfg::json spec;
};

// One entry of config.datasets, with what runs on it.
struct SdfmDataset {
  std::string name;
  dist::DistributionPtr target;
  SplitSpec split;
  train::TrainSpec train;     // config.train with the dataset's own keys; seed and coupling set per run
  std::vector<bool> runs;     // per config.couplings entry: its own subset, and only_couplings
  bool selected = true;       // config.only
  bool mean_flow = false;     // named in config.mean_flow.datasets
};

// The study's config, parsed and checked.
struct SdfmStudySpec {
  std::uint64_t seed = 0;               // the datasets' seeds are seed + index
  std::vector<std::uint64_t> seeds;     // the training seeds
  struct Eval {
    Index n = 0, w2_n = 0, straightness_n = 0;
    std::vector<long> euler, heun;
    bool dopri5 = true;
  } eval;
  std::vector<SdfmCoupling> couplings;
  std::vector<SdfmDataset> datasets;
  struct MeanFlow {
    std::vector<SdfmCoupling> couplings;  // empty: no block
    std::vector<bool> selected;           // only_couplings
    train::Objective objective;
    std::vector<long> nfe;
  } mean_flow;
  std::optional<ConditionalPlan> conditional;  // config.conditional
  std::optional<SuperResPlan> superres;         // config.super_resolution
  OracleSpec oracle;                            // config.oracle
  long total = 0;                               // training runs, for the bar
};

cfg::json sdfm_study_defaults();
std::set<std::string> sdfm_study_opaque();

// Every key, dataset, recipe, size and selection, before any work.
SdfmStudySpec parse_sdfm_study(const cfg::json& config);

// /summary: one row per (dataset, coupling, seed, solver, NFE); /oracle (when the oracle block has
// datasets): one row per (dataset, coupling, Euler NFE); /mean_flow (config.mean_flow): one row per
// (dataset, coupling, seed, NFE); /conditional (config.conditional, sdfm_conditional.hpp): one row
// per (dataset, coupling, seed, guidance, solver, NFE), with sample grids for the plots under
// /conditional_samples when `output` is given (a sweep's gather keeps the tables only).
StudyTables run_sdfm_study(const SdfmStudySpec& spec, io::H5File* output, StudyProgress& progress);

}  // namespace fm::study
