// Rates from log–log fits (theory/tv_rate.md "Protocol" 4): log y = c − r log n by least squares
// on the per-n means over repetitions, with a stratified bootstrap (repetitions resampled within
// each n) for a percentile interval on the exponent r. An n whose mean is not positive (a
// Monte-Carlo KL can be) has no logarithm and is left out of the fit, and counted.
#pragma once
#include <cstdint>
#include <vector>

namespace fm::metrics {

struct RateFit {
  double rate = 0;       // r: y ∝ n^{−r}
  double lo = 0, hi = 0;  // the bootstrap percentile interval for r
  double intercept = 0;   // c
  int n_values = 0;       // distinct n used in the fit
  int dropped = 0;        // distinct n left out (mean ≤ 0 or non-finite)
  int valid_resamples = 0;
};

// Rows (n[i], y[i]); only n ≥ n_min enter. level = 0.9 gives the 5 %–95 % interval. Needs at
// least two usable n, else the fit is NaN.
RateFit fit_rate(const std::vector<double>& n, const std::vector<double>& y, double n_min = 0, double level = 0.9,
                 int resamples = 2000, std::uint64_t seed = 0);

}  // namespace fm::metrics
