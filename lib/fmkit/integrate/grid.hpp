// Euler–Maruyama time grids (theory/dfm.md §2):
//   G1   h = 1/N, T = 1
//   G2   h = (1−δ)/N, N steps, ends exactly at 1−δ;  G2u: h = 1/N, round((1−δ)N) steps
//   G3   h = 1/(2M): M uniform steps to ½, then 1−t_{k+1} = (1−t_k)/(1+h) until 1−t_k ≤ δ,
//        the last step clipped to end at 1−δ; N = M + ⌈log(1/(2δ))/log(1+h)⌉
#pragma once
#include <string>
#include <vector>

namespace fm::integrate {

struct Grid {
  std::string name;
  std::vector<double> t;  // t_0 = 0 < … < t_N
  long steps() const { return static_cast<long>(t.size()) - 1; }
  double end() const { return t.back(); }
  double h(long k) const { return t[static_cast<std::size_t>(k + 1)] - t[static_cast<std::size_t>(k)]; }
};

Grid grid_g1(long N);
Grid grid_g2(long N, double delta, bool uniform_h = false);
Grid grid_g3(long M, double delta);
// By name ("G1", "G2", "G2u", "G3"): `n` is N for G1/G2 and M for G3.
Grid make_grid(const std::string& name, long n, double delta);

}  // namespace fm::integrate
