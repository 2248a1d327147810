#include "fmkit/dist/distribution.hpp"

#include "fmkit/core/error.hpp"

namespace fm::dist {

Vec Distribution::log_density(const Mat&) const {
  usage_error("distribution '" + name() + "' has no closed-form density");
}

Mat Distribution::score(const Mat&) const {
  usage_error("distribution '" + name() + "' has no closed-form score");
}

Mat Distribution::sample_labelled(Index, Rng&, std::vector<Index>&) const {
  usage_error("distribution '" + name() + "' has no class labels (labelled are gmm, toy2d 8gaussians/moons/rings and "
              "datasets with a \"labels\" column)");
}

}  // namespace fm::dist
