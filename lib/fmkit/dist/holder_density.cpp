#include "fmkit/dist/holder_density.hpp"

#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm::dist {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log √(2π)

}  // namespace

HolderDensity::HolderDensity(double beta, double a, const std::string& where) : beta_(beta), a_(a) {
  if (!(beta > 0 && beta <= 2)) usage_error(where + ".beta: expected a smoothness in (0, 2], got " + std::to_string(beta));
  m_beta_ = std::pow(2.0, beta / 2) * std::tgamma((beta + 1) / 2) / std::sqrt(std::numbers::pi);
  if (!(a >= 0) || !(a * m_beta_ < 1))
    usage_error(where + ".a: expected 0 <= a < 1/m_beta = " + std::to_string(1 / m_beta_) +
                " so that the density stays positive, got " + std::to_string(a));
  // p/g is even and, away from its maximum, falls like e^{−0.204 x²}: the maximum lies in [0, 12].
  // A 20 001-point grid then golden-section refinement around the best point; a relative margin of
  // 1e-9 covers the refinement's tolerance.
  const int n = 20000;
  double best_x = 0;
  envelope_ = 0;
  for (int i = 0; i <= n; ++i) {
    const double x = 12.0 * i / n;
    if (ratio_at(x) > envelope_) {
      envelope_ = ratio_at(x);
      best_x = x;
    }
  }
  double lo = std::max(0.0, best_x - 12.0 / n), hi = best_x + 12.0 / n;
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 80; ++it) {
    const double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    if (ratio_at(x1) > ratio_at(x2)) hi = x2; else lo = x1;
  }
  envelope_ = std::max(envelope_, ratio_at(0.5 * (lo + hi))) * (1 + 1e-9);
  // The check: an independent grid 7× finer (not a multiple of the first) must stay under M.
  if (ratio_sup(140001) > envelope_)
    runtime_error(where + ": the rejection envelope M = " + std::to_string(envelope_) +
                  " is below sup p/g on the check grid; the sampler would be biased");
}

double HolderDensity::log_density_at(double x) const {
  return -0.5 * x * x - kLogSqrt2Pi + std::log1p(a_ * (std::pow(std::abs(x), beta_) - m_beta_));
}

double HolderDensity::score_at(double x) const {
  const double ax = std::abs(x);
  const double h = 1 + a_ * (std::pow(ax, beta_) - m_beta_);
  const double dh = x == 0 ? 0.0 : a_ * beta_ * std::pow(ax, beta_ - 1) * (x > 0 ? 1.0 : -1.0);
  return -x + dh / h;
}

double HolderDensity::log_ratio_at(double x) const {
  return log_density_at(x) + kLogSqrt2Pi + std::log(kProposalStd) + 0.5 * x * x / (kProposalStd * kProposalStd);
}

double HolderDensity::ratio_at(double x) const { return std::exp(log_ratio_at(x)); }

double HolderDensity::ratio_sup(int points) const {
  double sup = 0;
  for (int i = 0; i < points; ++i) sup = std::max(sup, ratio_at(12.0 * i / (points - 1)));
  return sup;
}

Mat HolderDensity::sample(Index n, Rng& rng) const {
  Mat out(n, 1);
  const double log_m = std::log(envelope_);
  for (Index i = 0; i < n; ++i) {
    while (true) {
      const double x = kProposalStd * rng.normal();
      // Accept with probability p(x)/(M g(x)).
      if (std::log(rng.uniform()) < log_ratio_at(x) - log_m) {
        out(i, 0) = x;
        break;
      }
    }
  }
  return out;
}

Vec HolderDensity::log_density(const Mat& x) const {
  if (x.cols() != 1) usage_error("holder density: points have " + std::to_string(x.cols()) + " columns, expected 1");
  Vec out(x.rows());
  for (Index i = 0; i < x.rows(); ++i) out[i] = log_density_at(x(i, 0));
  return out;
}

Mat HolderDensity::score(const Mat& x) const {
  if (x.cols() != 1) usage_error("holder density: points have " + std::to_string(x.cols()) + " columns, expected 1");
  Mat out(x.rows(), 1);
  for (Index i = 0; i < x.rows(); ++i) out(i, 0) = score_at(x(i, 0));
  return out;
}

}  // namespace fm::dist
