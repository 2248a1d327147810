// The density of the Euler–Maruyama output in d = 1 or 2 by Nyström propagation on a uniform grid
// (theory/dfm.md §4.2): from x the EM step is exactly N(x + h s(t_k, x), σ²h I), so
//   p_{k+1}(y_j) = Σ_i dx^d p_k(x_i) φ_{σ²h}(y_j − x_i − h s(t_k, x_i)),   p_0 = density of μ.
// Point values with the trapezoid sum are spectrally accurate for Gaussian kernels; binning mass
// into cells would add ≈ dx²/12 of variance per step, which is why it is not done.
// Accuracy rules: dx ≤ σ√h_min/3 (and ≤ 2L/1600 in 1-D), kernel cut at ±10 σ√h, mass checked.
// Each output value sums its sources in a fixed order, so results do not depend on the thread count.
#pragma once
#include <functional>

#include "fmkit/dist/distribution.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/grid.hpp"

namespace fm::integrate {

struct DensityGridOptions {
  Vec centre;              // centre of the box (default 0)
  double L = 8;            // half-width: the box is centre + [−L, L]^d
  double dx = 0;           // 0: the accuracy rule above
  double kernel_sds = 10;  // kernel truncation in units of σ√h
  long max_points = 4'000'000;  // refuse finer grids (G^d points) rather than run for hours
  double max_work = 2e11;       // and more than this many kernel multiply-adds (G^d W^d N)
  // Usage error unless every number is finite and positive (L and dx may be 0: set by the caller /
  // the accuracy rule); em_density_grid calls it.
  void validate() const;
};

struct DensityGrid {
  Index d = 1;
  Index G = 0;  // points per axis; axis 0 varies slowest
  double dx = 0;
  Vec lo;       // first grid coordinate per axis
  Vec p;        // p_N at the G^d grid points
  double mass = 0;
  Mat points() const;  // the G^d grid points, one per row
};

// Propagates the EM density of dY = s dt + σ dB from `source` over `grid`. A runtime error if mass
// leaks out of the box (|mass − 1| > 1e-3): the box is too small for this problem.
DensityGrid em_density_grid(const field::VelocityField& drift, double sigma2, const dist::Distribution& source,
                            const Grid& grid, const DensityGridOptions& opts);

// KL(ν* ‖ p) = Σ_j dx^d ν*(y_j) log(ν*(y_j)/p(y_j)) over the grid (ν* < 1e-300 skipped; p floored
// at 1e-300), given log ν* at a batch of points.
double grid_kl(const DensityGrid& g, const std::function<Vec(const Mat&)>& target_log_density);

}  // namespace fm::integrate
