#include "fmkit/integrate/em_density_grid.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm::integrate {
namespace {

constexpr Index kBlock = 16;  // output rows (axis 0) per parallel task

// One source point's kernel: per axis, the first output index and the 1-D weights.
struct Footprint {
  Index start[2] = {0, 0};
  Index len[2] = {0, 0};
  std::size_t offset[2] = {0, 0};  // into the shared weight buffer
  double mass = 0;                 // dx^d p_k(x_i)
};

}  // namespace

Mat DensityGrid::points() const {
  const Index n = d == 1 ? G : G * G;
  Mat x(n, d);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = lo[0] + static_cast<double>(d == 1 ? i : i / G) * dx;
    if (d == 2) x(i, 1) = lo[1] + static_cast<double>(i % G) * dx;
  }
  return x;
}

void DensityGridOptions::validate() const {
  if (!(L >= 0 && std::isfinite(L))) usage_error("grid KL: the half-width L must be a finite number >= 0");
  if (!(dx >= 0 && std::isfinite(dx))) usage_error("grid KL: dx must be a finite number >= 0 (0: automatic)");
  if (!(kernel_sds > 0 && std::isfinite(kernel_sds))) usage_error("grid KL: kernel_sds must be a finite number > 0");
  if (!(max_points >= 1)) usage_error("grid KL: max_points must be >= 1");
  if (!(max_work > 0 && std::isfinite(max_work))) usage_error("grid KL: max_work must be a finite number > 0");
  if (centre.size() > 0 && !centre.allFinite()) usage_error("grid KL: the box centre must be finite");
}

DensityGrid em_density_grid(const field::VelocityField& drift, double sigma2, const dist::Distribution& source,
                            const Grid& grid, const DensityGridOptions& opts) {
  const Index d = drift.dim();
  if (d > 2) usage_error("grid KL: the density grid applies in d = 1 or 2, not d = " + std::to_string(d));
  if (!(sigma2 > 0)) usage_error("grid KL: sigma2 must be > 0");
  if (!source.has_density()) usage_error("grid KL: the source needs a density");
  opts.validate();
  if (!(opts.L > 0)) usage_error("grid KL: the half-width L must be > 0");
  double hmin = 1;
  for (long k = 0; k < grid.steps(); ++k) hmin = std::min(hmin, grid.h(k));
  DensityGrid g;
  g.d = d;
  g.dx = opts.dx > 0 ? opts.dx : std::sqrt(sigma2 * hmin) / 3;
  if (opts.dx <= 0 && d == 1) g.dx = std::min(g.dx, 2 * opts.L / 1600);
  g.G = static_cast<Index>(std::floor(2 * opts.L / g.dx)) + 1;
  const double npts = std::pow(static_cast<double>(g.G), static_cast<double>(d));
  if (npts > static_cast<double>(opts.max_points))
    usage_error("grid KL: " + std::to_string(static_cast<long long>(npts)) + " grid points (dx = " +
                std::to_string(g.dx) + ") exceed the limit " + std::to_string(opts.max_points) +
                "; use fewer steps, a smaller box or d = 1");
  double work = 0;
  for (long k = 0; k < grid.steps(); ++k)
    work += npts * std::pow(2 * opts.kernel_sds * std::sqrt(sigma2 * grid.h(k)) / g.dx + 1, static_cast<double>(d));
  if (work > opts.max_work)
    usage_error("grid KL: about " + std::to_string(static_cast<long long>(work / 1e9)) +
                "e9 kernel operations (the limit is " + std::to_string(static_cast<long long>(opts.max_work / 1e9)) +
                "e9); use fewer steps, d = 1, or kl_method none");
  const Vec centre = opts.centre.size() ? opts.centre : Vec::Zero(d);
  FM_REQUIRE(centre.size() == d, "grid KL: centre has the wrong dimension");
  g.lo = centre.array() - opts.L;
  const Mat x = g.points();
  const Index n = x.rows();
  const double cell = std::pow(g.dx, static_cast<double>(d));
  g.p = source.log_density(x).array().exp();

  std::vector<Footprint> fp;
  std::vector<double> weights;
  std::vector<std::vector<Index>> by_block(static_cast<std::size_t>((g.G + kBlock - 1) / kBlock));
  Vec next(n);
  Derivs dv;
  for (long k = 0; k < grid.steps(); ++k) {
    const double h = grid.h(k), var = sigma2 * h;
    const double cut = opts.kernel_sds * std::sqrt(var);
    const double norm1 = 1 / std::sqrt(2 * std::numbers::pi * var);
    // Sources with non-negligible mass only: their drift, their kernel footprints.
    std::vector<Index> active;
    for (Index i = 0; i < n; ++i)
      if (g.p[i] > 1e-300) active.push_back(i);
    Mat xa(static_cast<Index>(active.size()), d);
    for (std::size_t a = 0; a < active.size(); ++a) xa.row(static_cast<Index>(a)) = x.row(active[a]);
    drift.evaluate(xa, grid.t[static_cast<std::size_t>(k)], kValue, dv);
    if (!dv.value.allFinite()) runtime_error("grid KL: the drift is not finite at t = " + std::to_string(grid.t[k]));
    fp.assign(active.size(), Footprint{});
    weights.clear();
    for (auto& b : by_block) b.clear();
    for (std::size_t a = 0; a < active.size(); ++a) {
      Footprint& f = fp[a];
      f.mass = cell * g.p[active[a]];
      for (Index ax = 0; ax < d; ++ax) {
        const double mu = xa(static_cast<Index>(a), ax) + h * dv.value(static_cast<Index>(a), ax);
        const Index j0 = std::max<Index>(0, static_cast<Index>(std::ceil((mu - cut - g.lo[ax]) / g.dx)));
        const Index j1 = std::min<Index>(g.G - 1, static_cast<Index>(std::floor((mu + cut - g.lo[ax]) / g.dx)));
        f.start[ax] = j0;
        f.len[ax] = std::max<Index>(0, j1 - j0 + 1);
        f.offset[ax] = weights.size();
        for (Index j = j0; j <= j1; ++j) {
          const double r = g.lo[ax] + static_cast<double>(j) * g.dx - mu;
          weights.push_back(norm1 * std::exp(-r * r / (2 * var)));
        }
      }
      if (f.len[0] == 0 || (d == 2 && f.len[1] == 0)) continue;
      for (Index b = f.start[0] / kBlock; b <= (f.start[0] + f.len[0] - 1) / kBlock; ++b)
        by_block[static_cast<std::size_t>(b)].push_back(static_cast<Index>(a));
    }
    next.setZero();
    const Index nblocks = static_cast<Index>(by_block.size());
#pragma omp parallel for schedule(dynamic)
    for (Index b = 0; b < nblocks; ++b) {
      const Index r0 = b * kBlock, r1 = std::min(g.G, r0 + kBlock);
      for (Index a : by_block[static_cast<std::size_t>(b)]) {
        const Footprint& f = fp[static_cast<std::size_t>(a)];
        const Index j0 = std::max(r0, f.start[0]), j1 = std::min(r1, f.start[0] + f.len[0]);
        for (Index j = j0; j < j1; ++j) {
          const double w0 = f.mass * weights[f.offset[0] + static_cast<std::size_t>(j - f.start[0])];
          if (d == 1) {
            next[j] += w0;
            continue;
          }
          double* row = next.data() + j * g.G + f.start[1];
          const double* w1 = weights.data() + f.offset[1];
          for (Index m = 0; m < f.len[1]; ++m) row[m] += w0 * w1[m];
        }
      }
    }
    g.p.swap(next);
  }
  g.mass = g.p.sum() * cell;
  if (!(std::abs(g.mass - 1) <= 1e-3))
    runtime_error("grid KL: the EM density lost mass (" + std::to_string(g.mass) +
                  " inside the box); enlarge the box (L = " + std::to_string(opts.L) + ")");
  return g;
}

double grid_kl(const DensityGrid& g, const std::function<Vec(const Mat&)>& target_log_density) {
  const Vec lt = target_log_density(g.points());
  const double cell = std::pow(g.dx, static_cast<double>(g.d));
  double kl = 0;
  for (Index j = 0; j < lt.size(); ++j) {
    const double nu = std::exp(lt[j]);
    if (!(nu >= 1e-300)) continue;
    kl += cell * nu * (lt[j] - std::log(std::max(g.p[j], 1e-300)));
  }
  return kl;
}

}  // namespace fm::integrate
