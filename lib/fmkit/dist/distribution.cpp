#include "fmkit/dist/distribution.hpp"

#include "fmkit/core/error.hpp"

namespace fm::dist {

Vec Distribution::log_density(const Mat&) const {
  usage_error("distribution '" + name() + "' has no closed-form density");
}

Mat Distribution::score(const Mat&) const {
  usage_error("distribution '" + name() + "' has no closed-form score");
}

}  // namespace fm::dist
