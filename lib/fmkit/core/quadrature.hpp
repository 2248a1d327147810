// Gauss–Legendre quadrature: the time integrals of the theory (ε² calibration, I_p, second
// moments along a path) are smooth in t, where a 64-node rule is exact to rounding.
#pragma once
#include <functional>
#include <vector>

namespace fm {

struct QuadratureRule {
  std::vector<double> nodes, weights;
};

// n-node Gauss–Legendre rule on [a, b] (nodes by Newton iteration on P_n).
QuadratureRule gauss_legendre(int n, double a = 0.0, double b = 1.0);

double integrate(const std::function<double(double)>& f, double a, double b, int nodes = 64);

}  // namespace fm
