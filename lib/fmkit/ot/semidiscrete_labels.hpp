// Semidiscrete OT with class labels (or continuous conditions) on the atoms (conditional SD-FM,
// theory/sdfm_variants.md §1).
// The source draws a class c₀ with the atoms' class masses beside each x₀.
//   beta = 0 (β = ∞): the problem splits into one per class (the source, and the class's atoms with
//     their weights renormalised), each fitted with its own seed; a query is paired within its class.
//     The joint (y, c) χ² is Σ_c m_c χ²_c (m_c the class mass).
//   beta > 0: one problem for the augmented dot cost ⟨x₀, y_j⟩ + β[c_j = c₀], on augmented vectors
//     (y_j, √β e_{c_j}) from the source (x₀, √β e_{c₀}). A large β gives the per-class assignment.
#pragma once
#include <vector>

#include "fmkit/ot/semidiscrete.hpp"

namespace fm::ot {

// Augmented vectors [x, √β e_label] (classes extra columns).
Mat augment_with_labels(const Mat& x, const std::vector<Index>& labels, Index classes, double beta);

// Inverse-CDF class draws with probabilities `mass` (the source's class of each noise).
std::vector<Index> draw_classes(const Vec& mass, Index n, Rng& rng);

// The seed of class c's problem (β = ∞): each class draws its own noise streams.
std::uint64_t class_seed(std::uint64_t seed, Index c);

struct LabelledSemidiscrete {
  double beta = 0;
  Vec class_mass;                       // Σ_{j in c} b_j
  std::vector<std::vector<Index>> rows;  // the atoms of each cell: one per class (β = ∞), or all (β > 0)
  std::vector<Mat> y;                    // each cell's atoms (augmented for β > 0)
  std::vector<Vec> b;                    // each cell's weights (renormalised per class)
  std::vector<SemidiscreteResult> fits;  // each cell's fit, its g over the cell's atoms
  // The whole problem: g over all atoms (per class: each class's centred potential in its rows),
  // joint χ² and its standard error, the worst status, the most iterations, the total time.
  SemidiscreteResult joint;
  std::vector<Index> cell_of_class;      // per class: its cell (−1 for a class without atoms)
};

// `labels`: one class in [0, classes) per atom. A usage error for a label outside the range.
LabelledSemidiscrete semidiscrete_labelled(const dist::DistributionPtr& source, const Mat& y, const Vec& b,
                                           const std::vector<Index>& labels, Index classes, double beta,
                                           const SemidiscreteOptions& opts);

// Continuous conditions z_j (N × m) at a finite β (theory/sdfm_variants.md §1): one problem for the
// augmented dot cost ⟨x₀, y_j⟩ + β⟨z₀, z_j⟩, z₀ the condition of a b-distributed atom (the data's
// condition marginal), on the augmented atoms `keys` = (y_j, √β z_j). At the optimum the dot cost on
// z is the squared distance up to terms the potential absorbs.
SemidiscreteResult semidiscrete_conditioned(const dist::DistributionPtr& source, const Mat& y, const Vec& b,
                                            const Mat& z, double beta, const SemidiscreteOptions& opts, Mat& keys);

}  // namespace fm::ot
