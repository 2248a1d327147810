// A Monte-Carlo estimate: the sample mean with its standard error (sample std / √n).
#pragma once
#include "fmkit/core/types.hpp"

namespace fm {

struct Estimate {
  double value = 0;
  double se = 0;
};

// Mean and standard error of n ≥ 2 finite samples (a usage error otherwise).
Estimate mean_se(const Vec& samples);

}  // namespace fm
