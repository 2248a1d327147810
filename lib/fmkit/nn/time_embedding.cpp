#include "fmkit/nn/time_embedding.hpp"

#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"
#include "fmkit/core/sincos.hpp"

namespace fm::nn {

void TimeEmbedding::validate(const std::string& where) const {
  if (type != "raw" && type != "sinusoidal")
    usage_error(where + ".type: unknown time embedding '" + type + "' (expected raw or sinusoidal)");
  if (type == "sinusoidal") {
    if (frequencies < 1) usage_error(where + ".frequencies: expected a positive integer");
    if (!(f_min > 0 && f_max >= f_min)) usage_error(where + ": expected 0 < f_min <= f_max");
  }
}

namespace {
double frequency(const TimeEmbedding& e, int j) {
  if (e.frequencies == 1) return e.f_min;
  return e.f_min * std::pow(e.f_max / e.f_min, static_cast<double>(j) / (e.frequencies - 1));
}
}  // namespace

Mat TimeEmbedding::features(const Vec& t) const {
  if (type == "raw") return Mat(t);
  Mat f(t.size(), width());
  // Eigen has no vectorised double sin/cos, and libm's was a fifth of a training step.
  // Contiguous buffers so the loop vectorises (the columns of the row-major f are strided).
  Vec s(t.size()), c(t.size());
  for (int j = 0; j < frequencies; ++j) {
    const double w = 2 * std::numbers::pi * frequency(*this, j);
    for (Index i = 0; i < t.size(); ++i) sincos_fast(w * t[i], s[i], c[i]);
    f.col(j) = s;
    f.col(frequencies + j) = c;
  }
  return f;
}

Mat TimeEmbedding::derivative(const Vec& t) const {
  if (type == "raw") return Mat::Ones(t.size(), 1);
  // The same vectorising sincos as features(): the mean-flow JVP evaluates this every step, and
  // libm's sin and cos were a quarter of that step.
  Mat f(t.size(), width());
  Vec s(t.size()), c(t.size());
  for (int j = 0; j < frequencies; ++j) {
    const double w = 2 * std::numbers::pi * frequency(*this, j);
    for (Index i = 0; i < t.size(); ++i) sincos_fast(w * t[i], s[i], c[i]);
    f.col(j) = w * c;
    f.col(frequencies + j) = -w * s;
  }
  return f;
}

}  // namespace fm::nn
