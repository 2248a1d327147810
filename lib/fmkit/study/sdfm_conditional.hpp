// The SD-FM study's conditional block (config.conditional; theory/sdfm_variants.md §1). Labelled
// datasets (a toy's mode, a mixture's component, the digits' class) and conditional couplings:
// independent with matching labels, minibatch OT within each class, semidiscrete within each class
// (β = ∞) or with a finite β. Per (dataset, coupling, seed) one conditional model is trained with
// the dataset's recipe and the block's p_uncond (the null token of classifier-free guidance); it is
// sampled at every guidance scale with Euler at each NFE and with Dopri5, from one fixed noise set
// with `n_per_class` samples of every class (shared by all couplings and seeds: paired
// comparisons), and scored class by class against the test set: mean per-class W2 and energy
// distance, and the accuracy of a k-NN classifier fitted on the training set, beside that
// classifier's accuracy on the test set (what a perfect sampler would score).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/study/sdfm_data.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::study {

struct ConditionalPlan {
  std::vector<std::string> names, labels, roles;
  std::vector<dist::DistributionPtr> targets;
  std::vector<train::TrainSpec> specs;  // per dataset, with the block's objective (fm, p_uncond)
  std::vector<double> guidance;
  std::vector<long> euler;
  bool dopri5 = true;
  Index n_per_class = 200, knn = 5;
  std::vector<long> show_nfe;  // Euler NFEs whose samples (first seed, γ = 1) are stored for plots
  Index show_per_class = 10;
  std::vector<SplitSpec> splits;      // per dataset
  std::vector<cfg::json> coupling_specs;  // per coupling (coupling::make_coupling's spec)
  std::vector<std::uint64_t> seeds;  // the block's own seeds; empty: config.seeds
  // Set by the study's selection (config.only, config.only_couplings).
  std::vector<bool> dataset_selected, coupling_selected;
};

// Every key, dataset, recipe and coupling of the block, before any work; `train` is config.train.
ConditionalPlan plan_sdfm_conditional(const cfg::json& block, const cfg::json& train);

// The trainings the plan runs for `seeds` seeds (config.seeds; the block's own seeds if it has them).
long conditional_runs(const ConditionalPlan& p, std::size_t seeds);

// The /conditional rows; `progress` is told each training run (dataset, coupling, seed) before
// and after it. Samples for the plots go to `output` (when not null) under /conditional_samples.
io::Table run_sdfm_conditional(const ConditionalPlan& p, const std::vector<std::uint64_t>& seeds,
                               std::uint64_t base_seed, io::H5File* output, StudyProgress& progress);

}  // namespace fm::study
