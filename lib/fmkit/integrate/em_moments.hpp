// The exact law of the Euler–Maruyama output for an affine drift b(t,x) = c(t) + A(t)(x − m(t))
// from a Gaussian start (theory/dfm.md §4.1): it stays Gaussian with
//   μ_{k+1} = μ_k + h(c + A(μ_k − m)),   P_{k+1} = B P_k Bᵀ + σ² h I,   B = I + hA.
#pragma once
#include <functional>

#include "fmkit/integrate/grid.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

namespace fm::integrate {

struct GaussianLaw {
  Vec mean;
  Square cov;
};

// Fills c, A, m for time t.
using AffineDrift = std::function<void(double t, Vec& c, Square& A, Vec& m)>;

GaussianLaw em_gaussian_law(const AffineDrift& drift, double sigma2, const GaussianLaw& start, const Grid& grid);

// KL(p ‖ q) between Gaussian laws, log-determinants from Cholesky factors. A usage error if p's
// covariance is singular (the KL is infinite), a runtime error if q's is.
double gaussian_kl(const GaussianLaw& p, const GaussianLaw& q);

// The exact Markovian-projection drift of a single-block (Gaussian) path as an AffineDrift.
AffineDrift exact_affine_drift(std::shared_ptr<const path::GaussianMixturePath> p);

}  // namespace fm::integrate
