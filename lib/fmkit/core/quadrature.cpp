#include "fmkit/core/quadrature.hpp"

#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm {

QuadratureRule gauss_legendre(int n, double a, double b) {
  FM_REQUIRE(n >= 1, "gauss_legendre: need at least one node");
  QuadratureRule r;
  r.nodes.resize(static_cast<std::size_t>(n));
  r.weights.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double dp = 0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (x * p1 - p0) / (x * x - 1);
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    const double w = 2 / ((1 - x * x) * dp * dp);
    const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
    r.nodes[static_cast<std::size_t>(i)] = mid - half * x;
    r.nodes[static_cast<std::size_t>(n - 1 - i)] = mid + half * x;
    r.weights[static_cast<std::size_t>(i)] = r.weights[static_cast<std::size_t>(n - 1 - i)] = w * half;
  }
  return r;
}

double integrate(const std::function<double(double)>& f, double a, double b, int nodes) {
  const QuadratureRule r = gauss_legendre(nodes, a, b);
  double s = 0;
  for (std::size_t i = 0; i < r.nodes.size(); ++i) s += r.weights[i] * f(r.nodes[i]);
  return s;
}

}  // namespace fm
