#include "fmkit/metrics/kde.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "fmkit/core/error.hpp"
#include "fmkit/core/exp_fast.hpp"
#include "fmkit/core/threads.hpp"

namespace fm::metrics {

GaussianKde::GaussianKde(const Mat& points, double h) : pts_(points), h_(h) {
  FM_REQUIRE(points.rows() >= 2, "KDE: need at least two points");
  FM_REQUIRE(h > 0 && std::isfinite(h), "KDE: the bandwidth must be positive and finite");
  FM_REQUIRE(points.allFinite(), "KDE: non-finite sample points");
}

namespace {

// Squared distance from x to point i, coordinates stored column by column (stride n). D > 0 fixes
// the dimension at compile time so the loops over points vectorise; D = 0 reads it at run time.
template <int D>
inline double dist2(const double* cols, Index n, Index d, const double* x, Index i) {
  double s = 0;
  for (Index k = 0; k < (D > 0 ? D : d); ++k) {
    const double diff = x[k] - cols[k * n + i];
    s += diff * diff;
  }
  return s;
}

// The smallest squared distance over points [a, b).
template <int D>
inline double range_min(const double* cols, Index n, Index d, const double* x, Index a, Index b) {
  double m = std::numeric_limits<double>::infinity();
#pragma omp simd reduction(min : m)
  for (Index i = a; i < b; ++i) m = std::min(m, dist2<D>(cols, n, d, x, i));
  return m;
}

// Σ_{i ∈ [a, b)} exp(c·(‖x − x_i‖² − dmin)).
template <int D>
inline double range_sum(const double* cols, Index n, Index d, const double* x, Index a, Index b, double c, double dmin) {
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (Index i = a; i < b; ++i) sum += exp_fast(c * (dist2<D>(cols, n, d, x, i) - dmin));
  return sum;
}

// Two passes over the points other than `skip`: the nearest squared distance first, so every
// exponent is ≤ 0 and nothing under- or overflows.
template <int D>
double log_sum_d(const double* cols, Index n, Index d, const double* x, Index skip, double c) {
  const Index s0 = skip < 0 ? n : skip, s1 = skip < 0 ? n : skip + 1;
  const double dmin = std::min(range_min<D>(cols, n, d, x, 0, s0), range_min<D>(cols, n, d, x, s1, n));
  const double sum = range_sum<D>(cols, n, d, x, 0, s0, c, dmin) + range_sum<D>(cols, n, d, x, s1, n, c, dmin);
  return c * dmin + std::log(sum);
}

}  // namespace

double GaussianKde::log_sum(const double* x, Index skip) const {
  const Index n = pts_.rows(), d = pts_.cols();
  const double c = -0.5 / (h_ * h_);
  switch (d) {
    case 1: return log_sum_d<1>(pts_.data(), n, d, x, skip, c);
    case 2: return log_sum_d<2>(pts_.data(), n, d, x, skip, c);
    default: return log_sum_d<0>(pts_.data(), n, d, x, skip, c);
  }
}

Vec GaussianKde::log_density(const Mat& x) const {
  FM_REQUIRE(x.cols() == pts_.cols(), "KDE: query dimension differs from the sample's");
  const double norm = -std::log(static_cast<double>(pts_.rows())) -
                      0.5 * static_cast<double>(pts_.cols()) * std::log(2 * std::numbers::pi * h_ * h_);
  Vec out(x.rows());
#pragma omp parallel for schedule(static) if (fm::worth_threads(static_cast<double>(x.rows()) * static_cast<double>(pts_.size())))
  for (Index j = 0; j < x.rows(); ++j) out[j] = log_sum(x.row(j).data(), -1) + norm;
  return out;
}

double GaussianKde::loo_log_likelihood(Index max_points) const {
  const Index m = std::min(pts_.rows(), max_points);
  const double norm = -std::log(static_cast<double>(pts_.rows() - 1)) -
                      0.5 * static_cast<double>(pts_.cols()) * std::log(2 * std::numbers::pi * h_ * h_);
  FM_REQUIRE(pts_.cols() <= 16, "KDE: cross-validation supports up to 16 dimensions");
  Vec ll(m);
#pragma omp parallel for schedule(static) if (fm::worth_threads(static_cast<double>(m) * static_cast<double>(pts_.size())))
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
