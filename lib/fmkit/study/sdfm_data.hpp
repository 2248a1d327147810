// The SD-FM study's data: each dataset's training and test sets, standardised by the training mean
// and one scalar scale, with the points' class labels for the conditional block.
#pragma once
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/conditions.hpp"
#include "fmkit/dist/distribution.hpp"

namespace fm::study {

struct Split {
  Mat train, test;
  Vec mean;
  double scale = 1;
  dist::DistributionPtr dist;
  Vec atom_weights;  // a discrete target: the atoms' weights (test = the atoms); empty otherwise
  // Labelled splits: each point's class (the same permutation or the same draws as the points).
  std::vector<Index> train_labels, test_labels;
  Index classes = 0;
  dist::Conditions train_conditions() const { return dist::Conditions::from_labels(train_labels, classes); }
};

// Training and test sets of a dataset entry `d` (keys n_train, n_test): a data file is split by a
// seeded permutation (first n_train, next n_test); a discrete target's training set and test set
// are its atoms; any other distribution is sampled twice. `labelled` keeps the class labels (a
// usage error naming `where` for a target without them); the points are the unlabelled split's.
Split make_split(const cfg::json& d, dist::DistributionPtr target, std::uint64_t seed, const std::string& where,
                 bool labelled = false);

}  // namespace fm::study
