// The KL-bound study (theory/kl_bound.md §5): E0 the closed-form identity for the six ordered
// schedule pairs; E2A the bound for perturbed schedule velocities; and the toolkit's mixture
// extensions G0 (ODE-free identity) and G2A (perturbation families on an ε grid, d = 2…32).
// Every case is a /summary row with ε, S, KL ± s.e., ε√S, A1, A2, A1ε + A2ε², the ratios and a
// violation flag set only when KL exceeds a bound by more than 3 standard errors.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fmkit/bounds/kl_estimators.hpp"
#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::study {

// The study's config, parsed and checked: one section per experiment.
struct KlStudySpec {
  std::uint64_t seed = 42;         // the trainings
  std::uint64_t eval_seed = 12345;  // the estimators and identity curves
  struct E0 {
    bool enabled = true;
    int grid = 201;
    Index ode_samples = 1000;
    std::uint64_t seed = 42;
  } e0;
  struct E2a {
    bool enabled = true;
    std::vector<std::string> schedules;
    std::vector<double> betas, sine_betas;  // constant δ = β and δ = β sin 2πt
    bounds::KlEstimateOptions estimate;
  } e2a;
  struct G0 {
    bool enabled = true;
    std::vector<Index> dims;
    int grid = 201;
    Index n = 20000;
  } g0;
  struct G2a {
    bool enabled = true;
    std::vector<Index> dims;
    std::vector<std::string> families;
    std::vector<double> eps;
    bounds::KlEstimateOptions estimate;
  } g2a;
  // A learned-velocity experiment: the identity at target MSEs (E1, G1) or the bound across
  // checkpoints (E2B, G2B).
  struct Learned {
    bool enabled = true;
    std::string tag;  // E1, G1, E2B or G2B
    bool mixtures = false;
    std::vector<std::pair<std::string, cfg::json>> targets;  // (label, distribution spec)
    train::TrainSpec recipe;  // its target, target MSE and seed are set per training
    long batches_per_epoch = 1;
    std::vector<double> target_mse;  // E1, G1
    double cross_mse = 0.05;
    int eval_grid = 101;
    Index eval_n = 2000;
    long seeds = 1;
    bounds::KlEstimateOptions estimate;  // E2B, G2B
  } e1, e2b, g1, g2b;
};

cfg::json kl_study_defaults();

// Checks every key of a resolved config (types, ranges, lists, the training recipes) before any
// stage runs, so a bad last stage fails at once with the key's name rather than after the stages
// before it.
KlStudySpec parse_kl_study(const cfg::json& config);

// Runs the enabled experiments, writes their curves into `out` (may be null) and returns the
// summary table.
StudyTables run_kl_study(const KlStudySpec& spec, io::H5File* out, StudyProgress& progress);

}  // namespace fm::study
