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

// The sizes of a dataset entry's split (keys n_train, n_test), checked against its target before
// any work: a data file needs both and at least as many rows; a discrete target (its atoms are the
// training and test sets, and their weights must be uniform, as the data sampler is) takes
// neither; any other distribution needs both. `labelled` requires the target's class labels.
// Every message names `where`.
struct SplitSpec {
  Index n_train = 0, n_test = 0;  // a discrete target: its number of atoms, twice
};
SplitSpec parse_split(const cfg::json& d, const dist::Distribution& target, const std::string& where,
                      bool labelled = false);

// Training and test sets of a dataset: a data file is split by a seeded permutation (first n_train,
// next n_test); a discrete target's training set and test set are its atoms; any other
// distribution is sampled twice. `labelled` keeps the class labels; the points are the unlabelled
// split's.
Split make_split(const SplitSpec& sizes, dist::DistributionPtr target, std::uint64_t seed, bool labelled = false);

}  // namespace fm::study
