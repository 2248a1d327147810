#include "fmkit/integrate/mean_flow.hpp"

#include <map>
#include <utility>
#include <vector>

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

Mat OdeAverageVelocity::average(const Mat& x, const Vec& t, const Vec& s) const {
  FM_REQUIRE(t.size() == x.rows() && s.size() == x.rows(), "average velocity: one (t, s) per row expected");
  std::map<std::pair<double, double>, std::vector<Index>> groups;
  for (Index i = 0; i < x.rows(); ++i) groups[{t[i], s[i]}].push_back(i);
  Mat out(x.rows(), x.cols());
  for (const auto& [ts, rows] : groups) {
    Mat xs(static_cast<Index>(rows.size()), x.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) xs.row(static_cast<Index>(k)) = x.row(rows[k]);
    const Mat u = ode_average_velocity(*v_, xs, ts.first, ts.second, opts_);
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(rows[k]) = u.row(static_cast<Index>(k));
  }
  return out;
}

}  // namespace fm::integrate
