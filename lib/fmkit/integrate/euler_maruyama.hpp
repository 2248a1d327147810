// Euler–Maruyama for dY = s(t, Y) dt + σ dB with the drift frozen at the left grid point
// (theory/dfm.md §2): Y_{k+1} = Y_k + h s(t_k, Y_k) + σ√h ξ. The drift is never evaluated at t_N.
// Noise is drawn in one sequence from `rng`, so results do not depend on the thread count.
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/status.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/grid.hpp"

namespace fm::integrate {

struct EmResult {
  Status status = Status::Complete;  // a fixed grid run to its end; a non-finite state throws
  Mat x;
  std::vector<double> traj_t;
  std::vector<Mat> traj;  // states at K+1 grid points when trajectories = K > 0
  long steps = 0;         // grid steps taken (NFE per point)
  std::string brief() const;  // one line: status, points, steps
};

EmResult euler_maruyama(const field::VelocityField& drift, double sigma2, const Mat& x0, const Grid& grid, Rng& rng,
                        long trajectories = 0);

}  // namespace fm::integrate
