// The interpolants FM trains on: linear X_t = (1−t)X₀ + tX₁ (σ² = 0) and the Brownian bridge
// X_t = (1−t)X₀ + tX₁ + σ√(t(1−t)) Z with variance parameter σ², and their regression targets.
#pragma once
#include "fmkit/core/types.hpp"

namespace fm::path {

struct Interpolant {
  double sigma2 = 0;  // 0: linear interpolant

  // Row i uses time t[i]; z is ignored for the linear interpolant.
  Mat point(const Mat& x0, const Mat& x1, const Vec& t, const Mat& z) const;
  // FM velocity target X₁ − X₀ (its conditional mean given X_t is the marginal velocity when σ² = 0).
  static Mat velocity_target(const Mat& x0, const Mat& x1) { return x1 - x0; }
  // DFM drift target (X₁ − X_t)/(1 − t) = X₁ − X₀ − σ√(t/(1−t)) Z (theory/dfm.md §1.4).
  Mat drift_target(const Mat& x0, const Mat& x1, const Vec& t, const Mat& z) const;
};

}  // namespace fm::path
