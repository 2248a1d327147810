#include "fmkit/integrate/guidance_correction.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/core/rng.hpp"

namespace fm::integrate {

CorrectedGuidance corrected_guidance(const field::VelocityField& v1, const field::VelocityField& v2, double gamma,
                                     const Mat& x0, Index r, long steps, std::uint64_t seed, bool resample) {
  if (r < 1 || x0.rows() % r != 0) usage_error("guidance correction: the draws are not a whole number of groups of r");
  if (steps < 1) usage_error("guidance correction: needs at least one step");
  if (!std::isfinite(gamma)) usage_error("guidance correction: the scale must be finite");
  const Index N = x0.rows(), n = N / r;
  const double h = 1.0 / static_cast<double>(steps);
  Mat x = x0;
  Vec a = Vec::Zero(N);  // ∫ t/(1 − t) ‖v₁ − v₂‖² dt so far
  auto guided = [&](const Mat& y, double t, Vec* integrand) {
    const Mat u1 = v1.value(y, t), u2 = v2.value(y, t);
    if (integrand) *integrand = (t / (1.0 - t)) * (u1 - u2).rowwise().squaredNorm();
    return Mat(u2 + gamma * (u1 - u2));
  };
  for (long k = 0; k < steps; ++k) {
    const double t = static_cast<double>(k) * h;
    const Mat mid = x + 0.5 * h * guided(x, t, nullptr);
    Vec f;
    x += h * guided(mid, t + 0.5 * h, &f);  // midpoint rule for x and for the weight integral
    a += h * f;
  }
  CorrectedGuidance out;
  out.log_w = gamma * (gamma - 1.0) * a;
  if (!out.log_w.allFinite()) runtime_error("guidance correction: non-finite trajectory weights");
  if (!resample) {
    out.x = std::move(x);
    return out;
  }
  out.x.resize(n, x.cols());
  Rng pick(seed, "guidance/resample");
  double ess = 0;
  for (Index g = 0; g < n; ++g) {
    const Vec lw = out.log_w.segment(g * r, r);
    const Vec w = (lw.array() - lw.maxCoeff()).exp();
    ess += w.sum() * w.sum() / w.squaredNorm() / static_cast<double>(r);
    const Index j = inverse_cdf(w.data(), r, pick.uniform() * w.sum());
    out.x.row(g) = x.row(g * r + j);
  }
  out.ess = ess / static_cast<double>(n);
  return out;
}

}  // namespace fm::integrate
