// Distances between generated and reference points class by class, averaged over the classes
// (theory/sdfm_variants.md §1): a conditional model is judged on p(y | c), not on the mixture.
#pragma once
#include <limits>
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::metrics {

struct PerClassDistances {
  Vec w2;      // per class: exact W2 between the class's generated points and its reference atoms
  Vec energy;  // per class: energy distance
  double mean_w2 = std::numeric_limits<double>::quiet_NaN();
  double mean_energy = std::numeric_limits<double>::quiet_NaN();
  Index scored = 0;  // classes with points on both sides (the means run over these; others are NaN)
};

PerClassDistances per_class_distances(const Mat& gen, const std::vector<Index>& gen_labels, const Mat& ref,
                                      const std::vector<Index>& ref_labels, Index classes);

}  // namespace fm::metrics
