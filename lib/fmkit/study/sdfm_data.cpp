#include "fmkit/study/sdfm_data.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/dist/atoms.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/row_split.hpp"

namespace fm::study {

using cfg::json;

SplitSpec parse_split(const json& d, const dist::Distribution& target, const std::string& w, bool labelled) {
  if (labelled && target.classes() == 0)
    usage_error(w + ".target: has no class labels (labelled are gmm, toy2d 8gaussians/moons/rings and datasets "
                    "with a \"labels\" column)");
  if (const auto* atoms = dynamic_cast<const dist::Atoms*>(&target)) {
    if (!atoms->uniform())
      usage_error(w + ".target: the training study needs uniform atom weights (its data sampler is uniform)");
    if (d.contains("n_train") || d.contains("n_test"))
      usage_error(w + ": a discrete target's training and test sets are its atoms; drop n_train and n_test");
    return {atoms->points().rows(), atoms->points().rows()};
  }
  SplitSpec s;
  s.n_train = cfg::count(d, "n_train", w, 2, cfg::kMaxPoints);
  s.n_test = cfg::count(d, "n_test", w, 1, cfg::kMaxPoints);
  if (const auto* data = dynamic_cast<const dist::Dataset*>(&target))
    if (s.n_train + s.n_test > data->points().rows())
      usage_error(w + ": n_train + n_test = " + std::to_string(s.n_train + s.n_test) + " exceeds the file's " +
                  std::to_string(data->points().rows()) + " rows");
  return s;
}

// Standardised by the training mean and one scalar scale.
Split make_split(const SplitSpec& sizes, dist::DistributionPtr target, std::uint64_t seed, bool labelled) {
  Split s;
  s.dist = std::move(target);
  if (labelled) s.classes = s.dist->classes();
  const Index n_train = sizes.n_train, n_test = sizes.n_test;
  if (const auto data = std::dynamic_pointer_cast<const dist::Dataset>(s.dist)) {
    const Mat& p = data->points();
    Rng rng(seed, "sdfm/split");
    if (labelled) {  // the labels ride as one more column through the same permutation
      Mat joint(p.rows(), p.cols() + 1);
      joint.leftCols(p.cols()) = p;
      for (Index i = 0; i < p.rows(); ++i) joint(i, p.cols()) = static_cast<double>(data->labels()[static_cast<std::size_t>(i)]);
      dist::RowSplit rows = dist::split_rows(joint, n_train, n_test, rng);
      s.train = rows.first.leftCols(p.cols());
      s.test = rows.second.leftCols(p.cols());
      for (Index i = 0; i < n_train; ++i) s.train_labels.push_back(static_cast<Index>(rows.first(i, p.cols())));
      for (Index i = 0; i < n_test; ++i) s.test_labels.push_back(static_cast<Index>(rows.second(i, p.cols())));
    } else {
      dist::RowSplit rows = dist::split_rows(p, n_train, n_test, rng);
      s.train = std::move(rows.first);
      s.test = std::move(rows.second);
    }
  } else if (const auto atoms = std::dynamic_pointer_cast<const dist::Atoms>(s.dist)) {
    s.train = s.test = atoms->points();
    s.atom_weights = atoms->weights();
  } else {
    Rng rtr(seed, "sdfm/train_data"), rte(seed, "sdfm/test_data");
    if (labelled) {  // the same draws, with their labels
      s.train = s.dist->sample_labelled(n_train, rtr, s.train_labels);
      s.test = s.dist->sample_labelled(n_test, rte, s.test_labels);
    } else {
      s.train = s.dist->sample(n_train, rtr);
      s.test = s.dist->sample(n_test, rte);
    }
  }
  s.mean = s.train.colwise().mean();
  s.scale = dist::scalar_scale(s.train);
  s.train = (s.train.rowwise() - s.mean.transpose()) / s.scale;
  s.test = (s.test.rowwise() - s.mean.transpose()) / s.scale;
  return s;
}

}  // namespace fm::study
