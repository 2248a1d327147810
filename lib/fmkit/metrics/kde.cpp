#include "fmkit/metrics/kde.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "fmkit/core/error.hpp"
#include "fmkit/core/exp_fast.hpp"

namespace fm::metrics {

GaussianKde::GaussianKde(const Mat& points, double h) : pts_(points), h_(h) {
  FM_REQUIRE(points.rows() >= 2, "KDE: need at least two points");
  FM_REQUIRE(h > 0 && std::isfinite(h), "KDE: the bandwidth must be positive and finite");
  FM_REQUIRE(points.allFinite(), "KDE: non-finite sample points");
}

double GaussianKde::log_sum(const double* x, Index skip) const {
  const Index n = pts_.rows(), d = pts_.cols();
  // Two passes: the nearest point's squared distance first, so every exponent is ≤ 0.
  auto dist2 = [&](Index i) {
    double s = 0;
    for (Index k = 0; k < d; ++k) {
      const double diff = x[k] - pts_(i, k);
      s += diff * diff;
    }
    return s;
  };
  double dmin = std::numeric_limits<double>::infinity();
  for (Index i = 0; i < n; ++i)
    if (i != skip) dmin = std::min(dmin, dist2(i));
  const double c = -0.5 / (h_ * h_);
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (Index i = 0; i < n; ++i) {
    const double e = exp_fast(c * (dist2(i) - dmin));
    sum += i == skip ? 0.0 : e;
  }
  return c * dmin + std::log(sum);
}

Vec GaussianKde::log_density(const Mat& x) const {
  FM_REQUIRE(x.cols() == pts_.cols(), "KDE: query dimension differs from the sample's");
  const double norm = -std::log(static_cast<double>(pts_.rows())) -
                      0.5 * static_cast<double>(pts_.cols()) * std::log(2 * std::numbers::pi * h_ * h_);
  Vec out(x.rows());
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < x.rows(); ++j) out[j] = log_sum(x.row(j).data(), -1) + norm;
  return out;
}

double GaussianKde::loo_log_likelihood(Index max_points) const {
  const Index m = std::min(pts_.rows(), max_points);
  const double norm = -std::log(static_cast<double>(pts_.rows() - 1)) -
                      0.5 * static_cast<double>(pts_.cols()) * std::log(2 * std::numbers::pi * h_ * h_);
  FM_REQUIRE(pts_.cols() <= 16, "KDE: cross-validation supports up to 16 dimensions");
  Vec ll(m);
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < m; ++j) {
    double x[16];
    for (Index k = 0; k < pts_.cols(); ++k) x[k] = pts_(j, k);
    ll[j] = log_sum(x, j) + norm;
  }
  return ll.mean();
}

BandwidthFit kde_cv_bandwidth(const Mat& points, double h_lo, double h_hi, Index max_points) {
  FM_REQUIRE(h_lo > 0 && h_hi > h_lo, "KDE bandwidth search: need 0 < h_lo < h_hi");
  BandwidthFit fit;
  auto f = [&](double log_h) {
    ++fit.evaluations;
    return GaussianKde(points, std::exp(log_h)).loo_log_likelihood(max_points);
  };
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = std::log(h_lo), b = std::log(h_hi);
  double x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = f(x1), f2 = f(x2);
  while (b - a > 1e-3) {
    if (f1 >= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = f(x2);
    }
  }
  const double best = f1 >= f2 ? x1 : x2;
  fit.h = std::exp(best);
  fit.loo = std::max(f1, f2);
  fit.interior = best - std::log(h_lo) > 2e-3 && std::log(h_hi) - best > 2e-3;
  return fit;
}

}  // namespace fm::metrics
