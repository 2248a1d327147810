// The semidiscrete coupling (theory/sdfm.md §3): a potential g is fitted once on the finite
// training set (dual SGD to a χ² target, the precompute), then every step draws fresh noises x0
// and pairs each with one atom: ε = 0 the argmax cell by exact MIPS, ε > 0 one categorical draw
// from the softmax s_{ε,g}(x0) (inverse CDF with one uniform per noise).
//
// Class labels (conditional SD-FM, theory/sdfm_variants.md §1; fitted by ot/semidiscrete_labels):
// the source draws a class c₀ with the data's frequencies beside each x₀.
//   "beta" absent (β = ∞): the problem splits into one per class (source N(0, I), target the
//     class's atoms, uniform), each fitted on its own; x₀ is paired within class c₀. The reported
//     χ² is that of the joint (y, c) marginal, Σ_c (n_c/N) χ²_c.
//   "beta": β > 0: one potential for the augmented cost ⟨x₀, y_j⟩ + β[c_j = c₀], fitted and searched
//     on augmented vectors (y_j, √β e_{c_j}) and (x₀, √β e_{c₀}); a pair's condition is its atom's
//     class, so every training target is a real (point, label) pair. A large β gives the per-class
//     assignment.
//
// "mips" (ε = 0): the search index, {"method": "exact" (default) | "flat" | "hnsw" | "ivf", …}
// (ot/mips.hpp). An approximate index is measured once after the fit, against the exact search on
// 4 × 4096 fresh draws: its recall and the χ² of its assignment go to the run's summary.
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/coupling/coupling.hpp"
#include <optional>

#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/mips_quality.hpp"
#include "fmkit/ot/semidiscrete.hpp"

namespace fm::coupling {

// The potential-fitting part of a semidiscrete spec {"eps_rel" (0), "target_chi2" (0.05), "steps",
// "batch", "lr", "eval_every", "eval_batch", "beta", "mips"} (also used by the oracle-velocity study); the
// absolute ε is left to the caller.
struct SemidiscreteSpec {
  double eps_rel = 0;
  double beta = 0;  // labelled targets: 0 is β = ∞ (per-class problems)
  ot::SemidiscreteOptions opts;
  ot::MipsOptions mips;
};
SemidiscreteSpec parse_semidiscrete_spec(const cfg::json& spec, const std::string& where);

class SemidiscreteCoupling : public Coupling {
 public:
  // spec: {"type": "semidiscrete", "eps_rel" (0), "target_chi2" (0.05), "steps", "batch", "lr", "eval_every",
  //        "eval_batch", "average" ("tail" or "suffix"), "beta", "mips"}
  SemidiscreteCoupling(const cfg::json& spec, dist::DistributionPtr source, const TargetSampler& target,
                       std::uint64_t seed);
  void draw(long step, Index n, PairBatch& out) override;
  std::string name() const override { return "semidiscrete"; }
  void diagnostics(io::Summary& s) const override;
  // The fitted potential over all atoms (per class: each class's centred potential in its rows).
  const ot::SemidiscreteResult& potential() const { return fit_; }

 private:
  // One semidiscrete problem: atoms (rows of the training set), their weights, the fit and the search.
  struct Cell {
    std::vector<Index> rows;  // training-set rows of the atoms
    Mat y;
    Vec b;
    ot::SemidiscreteResult fit;
    std::unique_ptr<ot::Mips> mips;
  };
  void fit_cell(Cell& cell, const dist::Distribution& source, const ot::SemidiscreteOptions& o);
  void measure_mips();
  std::vector<Index> source_classes(long step, Index n) const;

  dist::DistributionPtr source_;
  Mat y_;
  dist::Conditions z_;
  double eps_ = 0, eps_rel_ = 0, beta_ = 0;
  std::uint64_t seed_;
  std::vector<Cell> cells_;  // one (unlabelled, or finite β on augmented atoms) or one per class
  Vec class_freq_;
  ot::SemidiscreteResult fit_;  // the whole problem's summary (g over all atoms, joint χ²)
  ot::MipsOptions mips_;
  std::optional<ot::MipsQuality> mips_quality_;  // an approximate index: measured after the fit
  Estimate w2sq_dual_;  // ε = 0, no finite β: the dual lower bound on W2²(μ, ν_N) (per class: E_c W2²)
};

}  // namespace fm::coupling
