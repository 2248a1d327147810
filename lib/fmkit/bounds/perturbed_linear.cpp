#include "fmkit/bounds/perturbed_linear.hpp"

#include <cmath>

#include "fmkit/core/quadrature.hpp"

namespace fm::bounds {

double PerturbedLinearExact::cs_bound() const { return eps * std::sqrt(S); }

PerturbedLinearExact perturbed_linear_exact(const std::function<double(double)>& A,
                                            const std::function<double(double)>& delta,
                                            const std::function<double(double)>& D, double dim) {
  PerturbedLinearExact r;
  const double eps2 = dim * quadrature([&](double t) { return delta(t) * delta(t) * std::exp(2 * A(t)); }, 0.0, 1.0);
  r.S = dim * quadrature([&](double t) {
    const double m = 1 - std::exp(-2 * D(t));
    return m * m * std::exp(-2 * A(t));
  }, 0.0, 1.0);
  r.eps = std::sqrt(eps2);
  const double D1 = D(1.0);
  r.kl = 0.5 * dim * (std::exp(-2 * D1) - 1 + 2 * D1);
  return r;
}

}  // namespace fm::bounds
