// Eighth moments for the DFM bound calculator (theory/dfm.md §6.1):
//   M8 = E‖X‖⁸ of the marginals, S8 = E‖∇log‖⁸ of their scores, J8 (joint score of the coupling π
//   on R^{2d}), K8 (conditional score ∇_{x0} log π_{0|1}) and S8(π̃) (the tilted coupling).
// Gaussian quantities are exact (Q = ‖x‖² has cumulants k_n = 2^{n−1}(n−1)! Σ λ^{n−1}(λ + n u²));
// mixture scores are Monte Carlo with the closed-form score, each with its standard error.
#pragma once
#include <array>
#include <string>

#include "fmkit/core/types.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

namespace fm::bounds {

// E[Q^k], k = 0..4, for Q = ‖x‖², x ~ N(m, S) (S symmetric positive semi-definite).
std::array<double, 5> gaussian_norm2_moments(const Vec& m, const Square& S);
// E‖x‖⁸ for x ~ N(m, S).
double gaussian_m8(const Vec& m, const Square& S);
// m8(d) = d(d+2)(d+4)(d+6) = E‖N(0, I_d)‖⁸.
double m8_standard(double d);

struct Moment {
  double value = 0;
  double se = 0;              // 0 when exact
  std::string kind = "exact"; // exact | monte_carlo | infinite
};

struct DfmMoments {
  Moment M8_mu, M8_nu, S8_mu, S8_nu, S8_tilt, J8, K8;
  double Jn() const { return std::sqrt(J8.value); }
  double Kn() const { return std::sqrt(K8.value); }
};

// Every moment of the coupling of `path` (its blocks are π; σ² from the path). A singular target
// block (a point mass) gives infinite target-score moments; `samples` Monte-Carlo draws where
// no closed form applies.
DfmMoments dfm_moments(const path::GaussianMixturePath& path, long samples, std::uint64_t seed);

}  // namespace fm::bounds
