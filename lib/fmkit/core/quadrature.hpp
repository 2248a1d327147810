// Quadrature. Gauss–Legendre for the time integrals of the theory (ε² calibration, I_p, second
// moments along a path), smooth in t, where a 64-node rule is exact to rounding; adaptive
// Gauss–Kronrod for integrands with kinks (the exact velocity of a limited-smoothness target).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "fmkit/core/status.hpp"

namespace fm {

struct QuadratureRule {
  std::vector<double> nodes, weights;
};

// n-node Gauss–Legendre rule on [a, b] (nodes by Newton iteration on P_n).
QuadratureRule gauss_legendre(int n, double a = 0.0, double b = 1.0);

// ∫_a^b f by the n-node Gauss–Legendre rule. (Not named `integrate`: that is the ODE namespace.)
double quadrature(const std::function<double(double)>& f, double a, double b, int nodes = 64);

}  // namespace fm

namespace fm {

// Adaptive Gauss–Kronrod (7–15 points) for a vector integrand f: [a, b] → R^m (m ≤ 4), started on
// the panels between the given breakpoints (kinks of the integrand, where no fixed rule converges
// fast) and bisecting the panel with the largest error until every component's summed error
// estimate is ≤ abs_tol + rel_tol·|I_0| (component 0 is the normaliser the others are read
// against), or max_panels is reached.
struct AdaptiveResult {
  double value[4] = {0, 0, 0, 0};
  double error = 0;  // the largest component's error estimate
  int panels = 0;
  bool converged = false;
  Status status = Status::MaxIterations;  // Converged when every component met the tolerance
  std::string brief() const;
};

// `f(x, out)` writes the m components at x. Breakpoints outside (a, b) are ignored.
AdaptiveResult integrate_adaptive(const std::function<void(double, double*)>& f, int m, double a, double b,
                                  const std::vector<double>& breakpoints = {}, double abs_tol = 0.0,
                                  double rel_tol = 1e-10, int max_panels = 400);

}  // namespace fm
