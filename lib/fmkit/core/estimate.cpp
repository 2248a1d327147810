#include "fmkit/core/estimate.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm {

Estimate mean_se(const Vec& v) {
  FM_REQUIRE(v.size() >= 2, "Monte-Carlo estimate: need at least two samples");
  FM_REQUIRE(v.allFinite(), "Monte-Carlo estimate: non-finite samples");
  const double m = v.mean();
  const double var = (v.array() - m).square().sum() / static_cast<double>(v.size() - 1);
  return {m, std::sqrt(var / static_cast<double>(v.size()))};
}

}  // namespace fm
