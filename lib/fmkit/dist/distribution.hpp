// The Distribution interface: every source/target can sample; those with a closed form also
// give the exact log-density and score (∇ log p) on a batch.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/types.hpp"

namespace fm::dist {

class Distribution {
 public:
  virtual ~Distribution() = default;
  virtual Index dim() const = 0;
  virtual Mat sample(Index n, Rng& rng) const = 0;
  // Distributions whose points carry a class (a mixture's component, a toy's mode, a data file's
  // label column) say how many; sample_labelled draws exactly what sample() draws, with the labels.
  virtual Index classes() const { return 0; }
  virtual Mat sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const;
  virtual bool has_density() const { return false; }
  // Exact log-density and score; the base versions throw a usage error naming the distribution.
  virtual Vec log_density(const Mat& x) const;
  virtual Mat score(const Mat& x) const;
  virtual std::string name() const = 0;
};

using DistributionPtr = std::shared_ptr<const Distribution>;

}  // namespace fm::dist
