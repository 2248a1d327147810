#include "fmkit/bounds/dfm_bound.hpp"

#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"

namespace fm::bounds {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Steps of a G3 grid with h = 1/(2M): M + ⌈log(1/(2δ))/log(1+h)⌉.
long g3_steps(long M, double delta) {
  const double h = 1.0 / (2.0 * static_cast<double>(M));
  return M + static_cast<long>(std::ceil(std::log(1 / (2 * delta)) / std::log1p(h)));
}

double fu_bracket(double eps2, const std::string& g, double h, double delta, double d, const DfmMoments& m) {
  const double slow = h * (1 + std::pow(h, 1.0 / 8));
  if (g == "G1") return eps2 + slow * d * (d * d + m.Jn());
  if (g == "G2" || g == "G2u") return eps2 + slow * d * (d * d / std::pow(delta, 4) + m.Kn());
  return eps2 + h * d * d * d * std::log(1 / delta) + slow * d * (d * d + m.Kn());  // G3
}

double grid_h(const std::string& g, long n, double delta) {
  if (g == "G1" || g == "G2u") return 1.0 / static_cast<double>(n);
  if (g == "G2") return (1 - delta) / static_cast<double>(n);
  return 1.0 / (2.0 * static_cast<double>(n));
}

void check_grid(const std::string& g, double delta) {
  if (g != "G1" && g != "G2" && g != "G2u" && g != "G3")
    usage_error("--grid: unknown grid '" + g + "' (expected G1, G2, G2u or G3)");
  if (g != "G1" && !(delta > 0 && delta < 0.5))
    usage_error("--delta: early stopping needs 0 < delta < 1/2, got " + std::to_string(delta));
}

}  // namespace

DfmBrackets dfm_brackets(double eps2, const std::string& g, long n, double delta, double d, const DfmMoments& m) {
  check_grid(g, delta);
  DfmBrackets b;
  b.h = grid_h(g, n, delta);
  b.F_orig = std::pow(d, 4) + m.M8_mu.value + m.M8_nu.value + m.S8_mu.value + m.S8_nu.value + m.S8_tilt.value;
  if (g == "G1") b.F_fu = d * (d * d + m.Jn());
  else if (g == "G3") b.F_fu = d * (d * d + m.Kn());
  else b.F_fu = d * (d * d / std::pow(delta, 4) + m.Kn());
  b.fu_name = g == "G1" ? "FU1" : g == "G3" ? "FU3" : "FU2";
  b.fu = fu_bracket(eps2, g, b.h, delta, d, m);
  b.orig = g == "G1" ? eps2 + b.h * b.F_orig : kNaN;
  b.w2 = g == "G1" ? std::sqrt(eps2) + std::sqrt(b.h) * (1 + std::pow(b.h, 1.0 / 16)) * std::sqrt(d * (d * d + m.Jn()))
                   : kNaN;
  return b;
}

long dfm_steps_needed(bool orig, double eps2, const std::string& g, double delta, double d, const DfmMoments& m,
                      double C, double eta) {
  check_grid(g, delta);
  if (!(C > 0) || !(eta > 0)) usage_error("--constant and --target-kl must be > 0");
  if (C * eps2 >= eta) return -1;
  if (orig) {
    const DfmBrackets b = dfm_brackets(0, "G1", 1, delta, d, m);
    if (!std::isfinite(b.F_orig)) return -1;
    return static_cast<long>(std::ceil(C * b.F_orig / (eta - C * eps2)));
  }
  // B increases with h, so the feasible n form a ray [n*, ∞): double, then bisect.
  auto ok = [&](long n) { return C * fu_bracket(eps2, g, grid_h(g, n, delta), delta, d, m) <= eta; };
  if (!std::isfinite(fu_bracket(eps2, g, 0.5, delta, d, m))) return -1;
  long hi = 1;
  while (!ok(hi)) {
    if (hi > (1L << 60)) return -1;
    hi *= 2;
  }
  long lo = hi / 2;  // infeasible (or 0)
  while (hi - lo > 1) {
    const long mid = lo + (hi - lo) / 2;
    (ok(mid) ? hi : lo) = mid;
  }
  if (g == "G3") return g3_steps(hi, delta);
  if (g == "G2u") return static_cast<long>(std::lround((1 - delta) * static_cast<double>(hi)));
  return hi;
}

double early_stop_w2_bias(double delta, double mean_sq_gap, double sigma2, double d) {
  return delta * delta * mean_sq_gap + sigma2 * delta * (1 - delta) * d;
}

}  // namespace fm::bounds
