#include "fmkit/bounds/kl_bound.hpp"

#include <cmath>
#include <string>

#include "fmkit/core/error.hpp"

namespace fm::bounds {
namespace {

void check(double x, const char* name) {
  if (!std::isfinite(x) || x < 0)
    usage_error(std::string(name) + ": expected a finite number >= 0, got " + std::to_string(x));
}

// (e^{aL} − 1)/L, with its limit a as L → 0 (expm1 keeps it accurate; the series below 1e-8).
double expm1_over(double L, double a) {
  const double x = L * a;
  return x < 1e-8 ? a * (1 + 0.5 * x) : std::expm1(x) / L;
}

}  // namespace

void KlConstants::validate() const {
  check(L_v, "--lipschitz");
  check(M_v, "--grad-div");
  check(I_p, "--fisher-path");
  check(I_0, "--fisher-source");
  check(L_0, "--source-score-lipschitz");
  if (!(T > 0) || !std::isfinite(T)) usage_error("--horizon: expected a positive number");
}

KlBound kl_bound(const KlConstants& c, double eps, double S) {
  c.validate();
  check(eps, "--eps");
  if (!std::isfinite(S)) usage_error("--S: expected a finite number");
  KlBound b;
  const double growth = std::exp(c.L_v * c.T);
  const double rootT = std::sqrt(c.T);
  b.A1 = std::sqrt(c.I_p) + rootT * (growth * std::sqrt(c.I_0) + c.M_v * expm1_over(c.L_v, c.T));
  // h(T)² = (e^{2LT} − 1)/(2L): the same expm1 form with 2L.
  b.A2 = rootT * c.L_0 * growth * std::sqrt(expm1_over(2 * c.L_v, c.T));
  b.kl_bound = b.A1 * eps + b.A2 * eps * eps;
  b.tv_bound = std::sqrt(b.kl_bound / 2);
  if (S >= 0) {
    b.cs_bound = eps * std::sqrt(S);
    b.cs_tv = std::sqrt(b.cs_bound / 2);
  }
  return b;
}

}  // namespace fm::bounds
