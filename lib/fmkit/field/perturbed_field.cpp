#include "fmkit/field/perturbed_field.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "fmkit/core/config.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/quadrature.hpp"

namespace fm::field {

Perturbation parse_perturbation(const cfg::json& s, Index d, const std::string& where) {
  cfg::expect_keys(s, where, {"type", "eps", "scale", "direction", "window", "omega"});
  Perturbation p;
  p.type = cfg::string(s, "type", where);
  if (p.type != "constant" && p.type != "linear" && p.type != "sine" && p.type != "time_local" && p.type != "sin_x")
    usage_error(where + ".type: unknown perturbation '" + p.type +
                "' (expected constant, linear, sine, time_local or sin_x)");
  if (s.contains("eps") && s.contains("scale")) usage_error(where + ": give either 'eps' or 'scale', not both");
  if (s.contains("direction")) {
    p.direction = cfg::vector(s, "direction", where);
    if (p.direction.size() != d)
      usage_error(where + ".direction: expected " + std::to_string(d) + " entries, got " +
                  std::to_string(p.direction.size()));
    if (p.direction.norm() == 0) usage_error(where + ".direction: must be non-zero");
  }
  if (s.contains("omega")) {
    if (p.type != "sin_x") usage_error(where + ".omega: only a sin_x perturbation has a frequency");
    p.omega = cfg::vector(s, "omega", where);
    if (p.omega.size() != d)
      usage_error(where + ".omega: expected " + std::to_string(d) + " entries, got " + std::to_string(p.omega.size()));
  }
  if (s.contains("window")) {
    const Vec w = cfg::vector(s, "window", where);
    if (w.size() != 2 || !(w[0] < w[1])) usage_error(where + ".window: expected [a, b] with a < b");
    p.window_lo = w[0];
    p.window_hi = w[1];
  }
  if (s.contains("scale")) p.beta = cfg::number(s, "scale", where);
  return p;
}

double Perturbation::factor(double t) const {
  if (type == "constant" || type == "linear" || type == "sin_x") return 1.0;
  if (type == "sine") return std::sin(2 * std::numbers::pi * t);
  return (t >= window_lo && t <= window_hi) ? 1.0 : 0.0;  // time_local
}

double perturbation_mean_square(const Perturbation& p, const path::GaussianMixturePath& path, double t) {
  const double f = p.beta * p.factor(t);
  if (p.multiplies_x()) return f * f * path.second_moment(t);
  if (p.type != "sin_x") return f * f;  // unit direction
  double s = 0;
  for (std::size_t j = 0; j < path.blocks().size(); ++j) {
    const double phase = 2 * p.omega.dot(path.block_mean(j, t));
    const double var = p.omega.dot(path.block_cov(j, t) * p.omega);
    s += path.blocks()[j].weight * 0.5 * (1 - std::cos(phase) * std::exp(-2 * var));
  }
  return f * f * s;
}

double perturbation_eps2(const Perturbation& p, const std::function<double(double)>& m2, double T) {
  FM_REQUIRE(p.type != "sin_x", "perturbation_eps2: sin_x needs the path (perturbation_mean_square)");
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
  for (int k = 0; k < pieces; ++k) total += quadrature(f, T * k / pieces, T * (k + 1) / pieces, 64);
  return b2 * total;
}

void calibrate(Perturbation& p, double eps, const std::function<double(const Perturbation&)>& eps2_of) {
  if (!(eps >= 0) || !std::isfinite(eps)) usage_error("perturbation.eps: expected a finite number >= 0");
  Perturbation unit = p;
  unit.beta = 1.0;
  const double e2 = eps2_of(unit);
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
  if (p_.type == "sin_x") {
    if (p_.omega.size() == 0) p_.omega = Vec::Ones(d);
    FM_REQUIRE(p_.omega.size() == d, "perturbation.omega: expected " + std::to_string(d) + " entries");
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
  } else if (p_.type == "sin_x") {
    const Vec phase = x * p_.omega;
    const double vw = p_.direction.dot(p_.omega);
    for (Index i = 0; i < x.rows(); ++i) {
      const double s = std::sin(phase[i]), c = std::cos(phase[i]);
      if (want & kValue) out.value.row(i) += (b * s) * p_.direction.transpose();
      if (want & kJacobian)
        for (Index a = 0; a < d; ++a)
          for (Index k = 0; k < d; ++k) out.jac(i, a * d + k) += b * c * p_.direction[a] * p_.omega[k];
      if (want & kDivergence) out.div[i] += b * c * vw;
      if (want & kGradDiv) out.grad_div.row(i) -= (b * s * vw) * p_.omega.transpose();
    }
  } else if (want & kValue) {
    out.value.rowwise() += b * p_.direction.transpose();
  }
  // ∇(∇·δ) = 0 for the affine families: ∇div is unchanged.
}

}  // namespace fm::field
