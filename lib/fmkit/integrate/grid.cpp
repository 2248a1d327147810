#include "fmkit/integrate/grid.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::integrate {
namespace {
void check_delta(double delta) {
  if (!(delta > 0 && delta < 0.5))
    usage_error("grid: delta must lie in (0, 1/2), got " + std::to_string(delta));
}
}  // namespace

Grid grid_g1(long N) {
  FM_REQUIRE(N >= 1, "grid G1: need N >= 1 steps");
  Grid g{"G1", {}};
  for (long k = 0; k <= N; ++k) g.t.push_back(static_cast<double>(k) / static_cast<double>(N));
  return g;
}

Grid grid_g2(long N, double delta, bool uniform_h) {
  FM_REQUIRE(N >= 1, "grid G2: need N >= 1 steps");
  check_delta(delta);
  Grid g{uniform_h ? "G2u" : "G2", {}};
  if (uniform_h) {
    const long steps = std::max(1L, std::lround((1 - delta) * static_cast<double>(N)));
    for (long k = 0; k <= steps; ++k) g.t.push_back(static_cast<double>(k) / static_cast<double>(N));
  } else {
    for (long k = 0; k <= N; ++k) g.t.push_back((1 - delta) * static_cast<double>(k) / static_cast<double>(N));
    g.t.back() = 1 - delta;
  }
  return g;
}

Grid grid_g3(long M, double delta) {
  FM_REQUIRE(M >= 1, "grid G3: need M >= 1");
  check_delta(delta);
  Grid g{"G3", {}};
  const double h = 1.0 / (2.0 * static_cast<double>(M));
  for (long k = 0; k <= M; ++k) g.t.push_back(h * static_cast<double>(k));
  g.t.back() = 0.5;
  double r = 0.5;  // remaining time 1 − t
  while (r > delta) {
    r /= 1 + h;
    g.t.push_back(r <= delta ? 1 - delta : 1 - r);
  }
  return g;
}

Grid make_grid(const std::string& name, long n, double delta) {
  if (name == "G1") return grid_g1(n);
  if (name == "G2") return grid_g2(n, delta, false);
  if (name == "G2u") return grid_g2(n, delta, true);
  if (name == "G3") return grid_g3(n, delta);
  usage_error("grid: unknown grid '" + name + "' (expected G1, G2, G2u or G3)");
}

}  // namespace fm::integrate
