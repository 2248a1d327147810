// The oracle-velocity study of theory/sdfm.md §7: flow matching to a discrete target with the exact
// marginal velocity of each coupling (field/discrete_oracle_field), no network, so every effect is
// the coupling's. Per (dataset, coupling, Euler NFE): the fraction of samples that land on an atom
// (within 0.1 × the minimum atom separation), the χ² and TV of the landing histogram against b, the
// exact W2 to ν; per coupling: both curvatures, transport cost and path energy on a fine Euler grid,
// the irreducible loss L* = E‖X1 − X0 − v_t(X_t)‖² by Monte Carlo, and the potential's own χ².
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/atoms.hpp"
#include "fmkit/io/table.hpp"

namespace fm::study {

// The study config's "oracle" block (keys: n, w2_n, euler, straightness_n, fine_steps, loss_n,
// datasets, couplings, only), parsed; no datasets: nothing to run.
struct OracleSpec {
  Index n = 0, w2_n = 0, straightness_n = 0, loss_n = 0;
  long fine_steps = 0;
  std::vector<long> euler;
  std::vector<std::string> names;
  std::vector<std::shared_ptr<const dist::Atoms>> targets;
  std::vector<bool> selected;  // oracle.only
  std::vector<std::string> labels;
  std::vector<cfg::json> coupling_specs;  // independent or semidiscrete
};

// Checks the oracle section's keys, sizes, targets and couplings before any work.
OracleSpec parse_sdfm_oracle(const cfg::json& oracle);
// An empty spec gives an empty table.
io::Table run_sdfm_oracle(const OracleSpec& spec, std::uint64_t seed);

}  // namespace fm::study
