#include "fmkit/path/density_path_1d.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/core/quadrature.hpp"
#include "fmkit/dist/gmm.hpp"
#include "fmkit/dist/holder_density.hpp"
#include "fmkit/dist/spec.hpp"

namespace fm::path {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kWindow = 12.0;     // |z| and |x0| beyond 12 carry less than e^{-72} of the mass
constexpr double kScoreSwitch = 1e-3;  // 1 − t below which the score is read from ∇log p
constexpr int kScan = 33;            // points scanned for the log-scale shift

}  // namespace

DensityPath1d::DensityPath1d(dist::DistributionPtr target, double lo, double hi, std::vector<double> kinks,
                             double rel_tol)
    : target_(std::move(target)), lo_(lo), hi_(hi), rel_tol_(rel_tol), kinks_(std::move(kinks)) {
  FM_REQUIRE(target_ && target_->dim() == 1 && target_->has_density(), "DensityPath1d: needs a 1-D target with a density");
  FM_REQUIRE(lo < hi && rel_tol > 0, "DensityPath1d: bad support or tolerance");
  holder_ = dynamic_cast<const dist::HolderDensity*>(target_.get());
}

DensityPath1d DensityPath1d::of(const dist::DistributionPtr& target, double rel_tol) {
  if (!target || target->dim() != 1 || !target->has_density())
    usage_error("target: the quadrature path needs a 1-D target with a known density");
  if (std::dynamic_pointer_cast<const dist::HolderDensity>(target))
    return DensityPath1d(target, -kWindow, kWindow, {0.0}, rel_tol);
  if (auto m = dist::as_mixture(target)) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& c : m->components()) {
      const double s = std::sqrt(c.cov()(0, 0));
      lo = std::min(lo, c.mean()[0] - kWindow * s);
      hi = std::max(hi, c.mean()[0] + kWindow * s);
    }
    return DensityPath1d(target, lo, hi, {}, rel_tol);
  }
  usage_error("target: no known support for a '" + target->name() + "' target in the quadrature path");
}

double DensityPath1d::log_p(double x) const {
  if (holder_) return holder_->log_density_at(x);
  return target_->log_density(Mat::Constant(1, 1, x))[0];
}

double DensityPath1d::score_p(double x) const {
  if (holder_) return holder_->score_at(x);
  return target_->score(Mat::Constant(1, 1, x))(0, 0);
}

DensityPath1d::Point DensityPath1d::at(double t, double x) const {
  FM_REQUIRE(t >= 0 && t <= 1, "DensityPath1d: t outside [0, 1]");
  if (t == 1) return {log_p(x), x, score_p(x)};  // X1 = x and E[X0 | X1] = E[X0] = 0
  const bool over_x1 = t < 0.5;
  const bool score_from_p = 1 - t < kScoreSwitch;
  // Integration variable s, its log-weight and the interval carrying the mass.
  double a, b;
  std::vector<double> cuts;
  if (over_x1) {
    a = lo_;
    b = hi_;
    if (t > 0) {  // |z| ≤ 12  ⇔  x1 ∈ [(x − 12(1−t))/t, (x + 12(1−t))/t]
      a = std::max(a, (x - kWindow * (1 - t)) / t);
      b = std::min(b, (x + kWindow * (1 - t)) / t);
    }
    cuts = kinks_;
  } else {  // y ∈ [lo, hi]  ⇔  x0 ∈ [(x − t·hi)/(1−t), (x − t·lo)/(1−t)]
    a = std::max(-kWindow, (x - t * hi_) / (1 - t));
    b = std::min(kWindow, (x - t * lo_) / (1 - t));
    for (double k : kinks_) cuts.push_back((x - t * k) / (1 - t));
  }
  if (!(a < b)) return {-std::numeric_limits<double>::infinity(), std::nan(""), std::nan("")};
  auto log_w = [&](double s) {
    if (over_x1) {
      const double z = (x - t * s) / (1 - t);
      return log_p(s) - 0.5 * z * z - kLogSqrt2Pi - std::log1p(-t);
    }
    return -0.5 * s * s - kLogSqrt2Pi + log_p((x - (1 - t) * s) / t) - std::log(t);
  };
  // Shift the log-weights by their largest scanned value so the integrand neither under- nor
  // overflows far in the tails.
  double shift = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < kScan; ++i) shift = std::max(shift, log_w(a + (b - a) * i / (kScan - 1)));
  const int m = score_from_p ? 3 : 2;
  const AdaptiveResult r = integrate_adaptive(
      [&](double s, double* f) {
        const double w = std::exp(log_w(s) - shift);
        f[0] = w;
        f[1] = w * s;
        if (score_from_p) f[2] = w * score_p((x - (1 - t) * s) / t);
      },
      m, a, b, cuts, 0.0, rel_tol_, 2000);
  if (!r.converged || !(r.value[0] > 0)) {
    std::ostringstream msg;
    msg << "exact 1-D velocity: adaptive quadrature did not converge at t = " << t << ", x = " << x
        << " (error " << r.error << " after " << r.panels << " panels)";
    runtime_error(msg.str());
  }
  Point p;
  p.log_p = shift + std::log(r.value[0]);
  const double mean = r.value[1] / r.value[0];  // E[X1 | x] (t < ½) or E[X0 | x] (t ≥ ½)
  const double e0 = over_x1 ? (x - t * mean) / (1 - t) : mean;
  p.velocity = over_x1 ? (mean - x) / (1 - t) : (x - mean) / t;
  p.score = score_from_p ? r.value[2] / r.value[0] / t : -e0 / (1 - t);
  return p;
}

std::vector<DensityPath1d::Point> DensityPath1d::batch(double t, const Mat& x) const {
  if (x.cols() != 1) usage_error("1-D exact path: points have " + std::to_string(x.cols()) + " columns, expected 1");
  std::vector<Point> out(static_cast<std::size_t>(x.rows()));
  // A failure inside the parallel loop is carried out of it and rethrown once.
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 64)
  for (Index i = 0; i < x.rows(); ++i) {
    try {
      out[static_cast<std::size_t>(i)] = at(t, x(i, 0));
    } catch (...) {
#pragma omp critical
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

Vec DensityPath1d::log_density(double t, const Mat& x) const {
  const auto pts = batch(t, x);
  Vec out(x.rows());
  for (Index i = 0; i < x.rows(); ++i) out[i] = pts[static_cast<std::size_t>(i)].log_p;
  return out;
}

Mat DensityPath1d::velocity(double t, const Mat& x) const {
  const auto pts = batch(t, x);
  Mat out(x.rows(), 1);
  for (Index i = 0; i < x.rows(); ++i) out(i, 0) = pts[static_cast<std::size_t>(i)].velocity;
  return out;
}

Mat DensityPath1d::score(double t, const Mat& x) const {
  const auto pts = batch(t, x);
  Mat out(x.rows(), 1);
  for (Index i = 0; i < x.rows(); ++i) out(i, 0) = pts[static_cast<std::size_t>(i)].score;
  return out;
}

Mat DensityPath1d::sample_rows(const Vec& t, Rng& rng) const {
  const Mat x1 = target_->sample(t.size(), rng);
  const Mat x0 = rng.normal(t.size(), 1);
  Mat out(t.size(), 1);
  for (Index i = 0; i < t.size(); ++i) out(i, 0) = (1 - t[i]) * x0(i, 0) + t[i] * x1(i, 0);
  return out;
}

}  // namespace fm::path
