#include "fmkit/field/perturbed_field.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"
#include "fmkit/core/quadrature.hpp"

namespace fm::field {

double Perturbation::factor(double t) const {
  if (type == "constant" || type == "linear") return 1.0;
  if (type == "sine") return std::sin(2 * std::numbers::pi * t);
  return (t >= window_lo && t <= window_hi) ? 1.0 : 0.0;  // time_local
}

double perturbation_eps2(const Perturbation& p, const std::function<double(double)>& m2, double T) {
  const double b2 = p.beta * p.beta;
  if (p.type == "constant") return b2 * T;
  if (p.type == "time_local") return b2 * std::max(0.0, std::min(p.window_hi, T) - std::max(p.window_lo, 0.0));
  // Piecewise-smooth integrands: split the sine at its zeros so each piece is smooth.
  auto f = [&](double t) {
    const double s = p.factor(t);
    return s * s * m2(t);
  };
  double total = 0;
  const int pieces = p.type == "sine" ? 4 : 1;
  for (int k = 0; k < pieces; ++k) total += integrate(f, T * k / pieces, T * (k + 1) / pieces, 64);
  return b2 * total;
}

void calibrate(Perturbation& p, double eps, const std::function<double(double)>& m2, double T) {
  if (!(eps >= 0) || !std::isfinite(eps)) usage_error("perturbation.eps: expected a finite number >= 0");
  Perturbation unit = p;
  unit.beta = 1.0;
  const double e2 = perturbation_eps2(unit, m2, T);
  if (!(e2 > 0)) usage_error("perturbation: this family has zero error on [0, T]; cannot calibrate eps");
  p.beta = eps / std::sqrt(e2);
}

PerturbedField::PerturbedField(FieldPtr base, Perturbation p) : base_(std::move(base)), p_(std::move(p)) {
  const Index d = base_->dim();
  if (!p_.multiplies_x()) {
    if (p_.direction.size() == 0) p_.direction = Vec::Constant(d, 1.0 / std::sqrt(static_cast<double>(d)));
    FM_REQUIRE(p_.direction.size() == d, "perturbation.direction: expected " + std::to_string(d) + " entries");
    const double nrm = p_.direction.norm();
    FM_REQUIRE(nrm > 0, "perturbation.direction: must be non-zero");
    p_.direction /= nrm;
  }
}

void PerturbedField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  base_->evaluate(x, t, want, out);
  const double b = p_.beta * p_.factor(t);
  if (b == 0) return;
  const Index d = dim();
  if (p_.multiplies_x()) {
    if (want & kValue) out.value += b * x;
    if (want & kJacobian)
      for (Index k = 0; k < d; ++k) out.jac.col(k * d + k).array() += b;
    if (want & kDivergence) out.div.array() += b * static_cast<double>(d);
  } else if (want & kValue) {
    out.value.rowwise() += b * p_.direction.transpose();
  }
  // ∇(∇·δ) = 0 for every family: ∇div is unchanged.
}

}  // namespace fm::field
