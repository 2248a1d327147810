#include "fmkit/integrate/ode.hpp"

#include "fmkit/core/error.hpp"

namespace fm::integrate {

Method parse_method(const std::string& name, const std::string& where) {
  if (name == "euler") return Method::Euler;
  if (name == "heun") return Method::Heun;
  if (name == "rk4") return Method::Rk4;
  if (name == "dopri5") return Method::Dopri5;
  usage_error(where + ": unknown solver '" + name + "' (expected euler, heun, rk4 or dopri5)");
}

std::string to_string(Method m) {
  switch (m) {
    case Method::Euler: return "euler";
    case Method::Heun: return "heun";
    case Method::Rk4: return "rk4";
    default: return "dopri5";
  }
}

int stages(Method m) {
  switch (m) {
    case Method::Euler: return 1;
    case Method::Heun: return 2;
    case Method::Rk4: return 4;
    default: return 6;
  }
}

long integrate_fixed(Method m, const Rhs& f, Mat& y, double t0, double t1, long steps, const Observer& obs) {
  FM_REQUIRE(steps >= 1, "fixed-step solver: need at least one step");
  FM_REQUIRE(m != Method::Dopri5, "integrate_fixed: dopri5 is adaptive");
  const double h = (t1 - t0) / static_cast<double>(steps);
  Mat k1(y.rows(), y.cols()), k2, k3, k4, tmp;
  long nfe = 0;
  for (long s = 0; s < steps; ++s) {
    const double t = t0 + static_cast<double>(s) * h;
    f(t, y, k1);
    switch (m) {
      case Method::Euler:
        y += h * k1;
        nfe += 1;
        break;
      case Method::Heun:
        tmp = y + h * k1;
        f(t + h, tmp, k2);
        y += (0.5 * h) * (k1 + k2);
        nfe += 2;
        break;
      default:  // RK4
        tmp = y + (0.5 * h) * k1;
        f(t + 0.5 * h, tmp, k2);
        tmp = y + (0.5 * h) * k2;
        f(t + 0.5 * h, tmp, k3);
        tmp = y + h * k3;
        f(t + h, tmp, k4);
        y += (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        nfe += 4;
    }
    // The last step lands exactly on t1 (no accumulated rounding in t).
    if (obs) obs(s + 1, s + 1 == steps ? t1 : t0 + static_cast<double>(s + 1) * h, y);
  }
  return nfe;
}

}  // namespace fm::integrate
