#include "fmkit/core/quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

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

double quadrature(const std::function<double(double)>& f, double a, double b, int nodes) {
  const QuadratureRule r = gauss_legendre(nodes, a, b);
  double s = 0;
  for (std::size_t i = 0; i < r.nodes.size(); ++i) s += r.weights[i] * f(r.nodes[i]);
  return s;
}

}  // namespace fm

namespace fm {
namespace {

// The 15-point Kronrod extension of the 7-point Gauss rule on [−1, 1]: nodes ±x_k (x_7 = 0), the
// Gauss nodes are the odd-indexed ones.
constexpr double kXgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                            0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                            0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                            0.207784955007898467600689403773245, 0.0};
constexpr double kWgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                            0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                            0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                            0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
constexpr double kWg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                           0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

struct Panel {
  double a, b;
  double value[4], error[4];
};

Panel gk15(const std::function<void(double, double*)>& f, int m, double a, double b) {
  Panel p{a, b, {0, 0, 0, 0}, {0, 0, 0, 0}};
  const double c = 0.5 * (a + b), h = 0.5 * (b - a);
  double k[4] = {0, 0, 0, 0}, g[4] = {0, 0, 0, 0}, v1[4], v2[4];
  f(c, v1);
  for (int j = 0; j < m; ++j) {
    k[j] = kWgk[7] * v1[j];
    g[j] = kWg[3] * v1[j];
  }
  for (int i = 0; i < 7; ++i) {
    f(c - h * kXgk[i], v1);
    f(c + h * kXgk[i], v2);
    for (int j = 0; j < m; ++j) {
      k[j] += kWgk[i] * (v1[j] + v2[j]);
      if (i % 2 == 1) g[j] += kWg[i / 2] * (v1[j] + v2[j]);
    }
  }
  for (int j = 0; j < m; ++j) {
    p.value[j] = h * k[j];
    p.error[j] = std::abs(h * (k[j] - g[j]));
  }
  return p;
}

}  // namespace

std::string AdaptiveResult::brief() const {
  std::ostringstream o;
  o << "adaptive quadrature " << to_string(status) << ": " << panels << " panels, error estimate " << error;
  return o.str();
}

AdaptiveResult integrate_adaptive(const std::function<void(double, double*)>& f, int m, double a, double b,
                                  const std::vector<double>& breakpoints, double abs_tol, double rel_tol,
                                  int max_panels) {
  FM_REQUIRE(m >= 1 && m <= 4, "integrate_adaptive: 1 to 4 components");
  FM_REQUIRE(a < b, "integrate_adaptive: empty interval");
  std::vector<double> cuts{a};
  for (double x : breakpoints)
    if (x > a && x < b) cuts.push_back(x);
  cuts.push_back(b);
  std::sort(cuts.begin(), cuts.end());
  std::vector<Panel> panels;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    if (cuts[i + 1] > cuts[i]) panels.push_back(gk15(f, m, cuts[i], cuts[i + 1]));
  AdaptiveResult r;
  while (true) {
    double total[4] = {0, 0, 0, 0}, err[4] = {0, 0, 0, 0};
    for (const Panel& p : panels)
      for (int j = 0; j < m; ++j) {
        total[j] += p.value[j];
        err[j] += p.error[j];
      }
    const double tol = abs_tol + rel_tol * std::abs(total[0]);
    double worst = 0;
    for (int j = 0; j < m; ++j) worst = std::max(worst, err[j]);
    for (int j = 0; j < m; ++j) r.value[j] = total[j];
    r.error = worst;
    r.panels = static_cast<int>(panels.size());
    if (worst <= tol) {
      r.converged = true;
      r.status = Status::Converged;
      return r;
    }
    if (static_cast<int>(panels.size()) >= max_panels) return r;
    // Bisect the panel whose largest component error is largest.
    std::size_t pick = 0;
    double pick_err = -1;
    for (std::size_t i = 0; i < panels.size(); ++i) {
      double e = 0;
      for (int j = 0; j < m; ++j) e = std::max(e, panels[i].error[j]);
      if (e > pick_err) {
        pick_err = e;
        pick = i;
      }
    }
    const Panel old = panels[pick];
    const double mid = 0.5 * (old.a + old.b);
    if (!(mid > old.a && mid < old.b)) return r;  // the panel cannot be split further in doubles
    panels[pick] = gk15(f, m, old.a, mid);
    panels.push_back(gk15(f, m, mid, old.b));
  }
}

}  // namespace fm
