#include "fmkit/integrate/dopri5.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "fmkit/core/error.hpp"

namespace fm::integrate {
namespace {

// Dormand–Prince tableau.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
// Error weights: 5th-order minus embedded 4th-order solution.
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                 e6 = 22.0 / 525, e7 = -1.0 / 40;

// Largest per-row RMS of v_i / (atol + rtol·max(|a_i|, |b_i|)).
double error_norm(const Mat& v, const Mat& a, const Mat& b, double atol, double rtol) {
  const Eigen::ArrayXXd sc = atol + rtol * a.array().abs().max(b.array().abs());
  const Eigen::ArrayXXd q = v.array() / sc;
  const double m = static_cast<double>(v.cols());
  return std::sqrt((q.square().rowwise().sum() / m).maxCoeff());
}

}  // namespace

void Dopri5Options::validate() const {
  FM_REQUIRE(rtol > 0 && std::isfinite(rtol), "dopri5: rtol must be positive");
  FM_REQUIRE(atol > 0 && std::isfinite(atol), "dopri5: atol must be positive");
  FM_REQUIRE(max_steps >= 1, "dopri5: max_steps must be >= 1");
  FM_REQUIRE(h0 >= 0, "dopri5: h0 must be >= 0");
}

std::string Dopri5Result::brief() const {
  std::ostringstream s;
  s << "dopri5 " << to_string(status) << ": " << accepted << " steps (" << rejected << " rejected), " << nfe
    << " evaluations, t = " << t_reached;
  return s.str();
}

Dopri5Result dopri5(const Rhs& f, Mat& y, double t0, double t1, const Dopri5Options& opts) {
  opts.validate();
  Dopri5Result res;
  res.t_reached = t0;
  if (t0 == t1 || y.size() == 0) return res;
  const double dir = t1 > t0 ? 1.0 : -1.0;
  const double span = std::abs(t1 - t0);
  const Index n = y.rows(), m = y.cols();
  Mat k1(n, m), k2(n, m), k3(n, m), k4(n, m), k5(n, m), k6(n, m), k7(n, m), ytmp(n, m), ynew(n, m);
  f(t0, y, k1);
  res.nfe = 1;
  if (!k1.allFinite()) {
    res.status = Status::Diverged;
    return res;
  }

  double h = opts.h0;
  if (h == 0) {
    // Hairer, Nørsett & Wanner, "Solving ODEs I", II.4: a first step from the scale of y and f.
    const double d0 = error_norm(y, y, y, opts.atol, opts.rtol);
    const double d1 = error_norm(k1, y, y, opts.atol, opts.rtol);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = std::min(h0, span);
    ytmp = y + (dir * h0) * k1;
    f(t0 + dir * h0, ytmp, k2);
    res.nfe += 1;
    const double d2 = error_norm(k2 - k1, y, y, opts.atol, opts.rtol) / h0;
    const double h1 = std::max(d1, d2) <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / std::max(d1, d2), 0.2);
    h = std::min(100 * h0, h1);
  }
  h = std::min(h, span);

  double t = t0;
  bool last_rejected = false;
  while (true) {
    if (res.accepted + res.rejected >= opts.max_steps) {
      res.status = Status::MaxIterations;
      break;
    }
    const double remaining = std::abs(t1 - t);
    bool last = false;
    if (h >= remaining * (1 - 1e-12)) {
      h = remaining;
      last = true;
    }
    const double s = dir * h;
    ytmp = y + s * (a21 * k1);
    f(t + c2 * s, ytmp, k2);
    ytmp = y + s * (a31 * k1 + a32 * k2);
    f(t + c3 * s, ytmp, k3);
    ytmp = y + s * (a41 * k1 + a42 * k2 + a43 * k3);
    f(t + c4 * s, ytmp, k4);
    ytmp = y + s * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4);
    f(t + c5 * s, ytmp, k5);
    ytmp = y + s * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5);
    f(t + s, ytmp, k6);
    ynew = y + s * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
    const double tnew = last ? t1 : t + s;
    f(tnew, ynew, k7);
    res.nfe += 6;
    const Mat errv = s * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7);
    const double err = error_norm(errv, y, ynew, opts.atol, opts.rtol);
    if (!std::isfinite(err) || !ynew.allFinite()) {
      // A non-finite trial may just be a step that was too large: shrink and retry, and give up
      // only when the step underflows.
      ++res.rejected;
      h *= 0.2;
      last_rejected = true;
      if (h < 1e-14 * std::max(1.0, std::abs(t))) {
        res.status = Status::Diverged;
        break;
      }
      continue;
    }
    if (err <= 1.0) {
      ++res.accepted;
      t = tnew;
      y.swap(ynew);
      k1.swap(k7);  // FSAL: the last stage is the next step's first
      res.t_reached = t;
      if (last) break;
      double fac = err == 0 ? 10.0 : 0.9 * std::pow(err, -0.2);
      fac = std::clamp(fac, 0.2, last_rejected ? 1.0 : 10.0);
      h *= fac;
      last_rejected = false;
    } else {
      ++res.rejected;
      h *= std::clamp(0.9 * std::pow(err, -0.2), 0.2, 1.0);
      last_rejected = true;
    }
  }
  return res;
}

}  // namespace fm::integrate
