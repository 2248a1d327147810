#include "fmkit/integrate/mean_flow.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/integrate/chunked.hpp"

namespace fm::integrate {

Mat sample_mean_flow(const field::AverageVelocity& u, const Mat& x0, long steps) {
  FM_REQUIRE(steps >= 1, "mean-flow sampler: steps must be >= 1");
  FM_REQUIRE(x0.cols() == u.dim(), "mean-flow sampler: points have dimension " + std::to_string(x0.cols()) +
                                       " but the model has dimension " + std::to_string(u.dim()));
  Mat x = x0;
  for_each_chunk(x.rows(), 1024, [&](Index r0, Index rows) {
    Mat y = x.middleRows(r0, rows);
    for (long k = 0; k < steps; ++k) {
      const double t = static_cast<double>(k) / static_cast<double>(steps);
      const double s = static_cast<double>(k + 1) / static_cast<double>(steps);
      y += (s - t) * u.average(y, Vec::Constant(rows, t), Vec::Constant(rows, s));
    }
    if (!y.allFinite()) runtime_error("mean-flow sampler: non-finite state after " + std::to_string(steps) + " steps");
    x.middleRows(r0, rows) = y;
    return steps;
  });
  return x;
}

Mat ode_average_velocity(const field::VelocityField& v, const Mat& x, double t, double s, const Dopri5Options& opts) {
  FM_REQUIRE(t <= s, "average velocity: needs t <= s");
  if (s == t) return v.value(x, t);
  Mat y = x;
  const Rhs rhs = [&v](double tau, const Mat& z, Mat& dz) { dz = v.value(z, tau); };
  const Dopri5Result r = dopri5(rhs, y, t, s, opts);
  if (r.status != Status::Converged) runtime_error("average velocity: " + r.brief());
  return (y - x) / (s - t);
}

}  // namespace fm::integrate
