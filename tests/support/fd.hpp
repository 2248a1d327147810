// Central finite differences for checking closed-form derivatives in tests.
#pragma once
#include <functional>

#include "fmkit/core/types.hpp"

namespace fmtest {

// ∂f/∂x of a batch function f: (n×d) → (n×m), returned as n × (m·d) with entry a·d+b = ∂f_a/∂x_b.
inline fm::Mat fd_jacobian(const std::function<fm::Mat(const fm::Mat&)>& f, const fm::Mat& x, double h) {
  const fm::Index n = x.rows(), d = x.cols();
  const fm::Index m = f(x).cols();
  fm::Mat J(n, m * d);
  for (fm::Index b = 0; b < d; ++b) {
    fm::Mat xp = x, xm = x;
    xp.col(b).array() += h;
    xm.col(b).array() -= h;
    const fm::Mat df = (f(xp) - f(xm)) / (2 * h);
    for (fm::Index a = 0; a < m; ++a) J.col(a * d + b) = df.col(a);
  }
  return J;
}

// Gradient of a batch scalar function: n×d.
inline fm::Mat fd_gradient(const std::function<fm::Vec(const fm::Mat&)>& f, const fm::Mat& x, double h) {
  return fd_jacobian([&](const fm::Mat& y) { return fm::Mat(f(y)); }, x, h);
}

inline double max_abs(const fm::Mat& a) { return a.cwiseAbs().maxCoeff(); }
inline double max_rel(const fm::Mat& a, const fm::Mat& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0, b.cwiseAbs().maxCoeff());
}

}  // namespace fmtest
