#include "fmkit/integrate/euler_maruyama.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::integrate {

std::string EmResult::brief() const {
  return "euler-maruyama " + to_string(status) + ": " + std::to_string(x.rows()) + " points, " + std::to_string(steps) +
         " steps";
}

EmResult euler_maruyama(const field::VelocityField& drift, double sigma2, const Mat& x0, const Grid& grid, Rng& rng,
                        long trajectories) {
  FM_REQUIRE(sigma2 > 0, "euler-maruyama: sigma2 must be positive");
  FM_REQUIRE(x0.cols() == drift.dim(), "euler-maruyama: points have dimension " + std::to_string(x0.cols()) +
                                           ", the drift " + std::to_string(drift.dim()));
  const long N = grid.steps();
  FM_REQUIRE(N >= 1, "euler-maruyama: empty grid");
  EmResult res;
  res.x = x0;
  res.steps = N;
  const double sigma = std::sqrt(sigma2);
  std::vector<long> keep;
  for (long k = 0; k <= trajectories && trajectories > 0; ++k)
    keep.push_back(std::lround(static_cast<double>(k) * static_cast<double>(N) / static_cast<double>(trajectories)));
  auto record = [&](long k) {
    for (long kk : keep)
      if (kk == k) {
        res.traj_t.push_back(grid.t[static_cast<std::size_t>(k)]);
        res.traj.push_back(res.x);
        break;
      }
  };
  record(0);
  Mat xi(x0.rows(), x0.cols());
  for (long k = 0; k < N; ++k) {
    const double h = grid.h(k);
    const Mat b = drift.value(res.x, grid.t[static_cast<std::size_t>(k)]);
    rng.fill_normal(xi);
    res.x += h * b + (sigma * std::sqrt(h)) * xi;
    record(k + 1);
  }
  if (!res.x.allFinite())
    runtime_error("euler-maruyama: non-finite state (step too large for the drift near t = 1? try grid G2/G3)");
  return res;
}

}  // namespace fm::integrate
