// The DFM study (theory/dfm.md §7): E1 h-sweep, E2 ε-sweep, E3 d-sweep, E4 sharp targets and early
// stopping, E5 couplings, E6 σ-sweep, E7 learned drifts. An experiment is a list of blocks, each a
// problem family crossed with lists of σ², grids, steps, δ, perturbations, ε, dimensions and ρ;
// every combination is one /summary row from bounds::evaluate_dfm (KL_marg with its method,
// KL_path ± s.e., the chain, both brackets, the implied constants).
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fmkit/bounds/dfm_evaluate.hpp"
#include "fmkit/bounds/dfm_problem.hpp"
#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::study {

// One /summary row to compute: a problem, a drift and the evaluation's options.
struct DfmCase {
  std::size_t block = 0;           // its index in config.experiments (for messages)
  std::string experiment, family;  // the block's labels
  std::size_t problem = 0;         // index into DfmStudySpec::problems
  std::string perturbation = "none";
  double eps = 0, rho = 0;           // as requested (0: none)
  bounds::DfmDrift drift;            // the exact drift, or its perturbation
  std::optional<train::TrainSpec> learned;  // a learned drift's training (E7), trained once per variant
  std::string variant, variant_label;       // the learned variant's identity and label
  bounds::DfmOptions options;
};

// The study's config, parsed and checked: every block expanded into its cases.
struct DfmStudySpec {
  std::uint64_t seed = 12345;
  long moment_samples = 200000;
  std::vector<bounds::DfmProblem> problems;  // each distinct (problem, σ²) once
  std::vector<DfmCase> cases;
};

cfg::json dfm_study_defaults();
std::set<std::string> dfm_study_opaque();

// Checks every block and case (problem, sizes, grids, methods, perturbations, the learned drifts'
// training) before any work.
DfmStudySpec parse_dfm_study(const cfg::json& config);
// Returns the summary table (one row per case).
StudyTables run_dfm_study(const DfmStudySpec& spec, io::H5File* output, StudyProgress& progress);

}  // namespace fm::study
