#include "fmkit/dist/schedule.hpp"

#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm::dist {

using std::numbers::pi;

Schedule::Schedule(const std::string& name, const std::string& where) : name_(name) {
  if (name == "a1") id_ = 1;
  else if (name == "a2") id_ = 2;
  else if (name == "a3") id_ = 3;
  else usage_error(where + ".name: unknown schedule '" + name + "' (expected a1, a2 or a3)");
}

double Schedule::a(double t) const {
  switch (id_) {
    case 1: return std::sin(pi * t);
    case 2: return 0.3 * std::sin(2 * pi * t) + 0.2;
    default: return t - 0.5;
  }
}

double Schedule::A(double t) const {
  switch (id_) {
    case 1: return (1 - std::cos(pi * t)) / pi;
    case 2: return 0.3 / (2 * pi) * (1 - std::cos(2 * pi * t)) + 0.2 * t;
    default: return 0.5 * t * t - 0.5 * t;
  }
}

double Schedule::sigma(double t) const { return std::exp(A(t)); }

Mat ScheduleMarginal::sample(Index n, Rng& rng) const { return rng.normal(n, d_) * s_.sigma(t_); }

Vec ScheduleMarginal::log_density(const Mat& x) const {
  FM_REQUIRE(x.cols() == d_, "schedule log_density: dimension mismatch");
  const double At = s_.A(t_), s2 = std::exp(2 * At), d = static_cast<double>(d_);
  return (-0.5 * d * std::log(2 * pi) - d * At - 0.5 * x.rowwise().squaredNorm().array() / s2).matrix();
}

Mat ScheduleMarginal::score(const Mat& x) const { return -x / std::exp(2 * s_.A(t_)); }

}  // namespace fm::dist
