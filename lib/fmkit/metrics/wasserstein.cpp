#include "fmkit/metrics/wasserstein.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/network_simplex.hpp"

namespace fm::metrics {

std::string W2Result::brief() const {
  std::ostringstream o;
  o << "exact W2 " << to_string(status) << ": W2 " << w2 << " (W2^2 " << w2sq << ") in " << seconds << " s";
  return o.str();
}

W2Result w2_exact(const Mat& x, const Mat& y) {
  FM_REQUIRE(x.rows() == y.rows(), "exact W2: needs equal sizes (got " + std::to_string(x.rows()) + " and " +
                                       std::to_string(y.rows()) + "); subsample or use sliced W2");
  FM_REQUIRE(x.rows() <= 5000, "exact W2: at most 5000 points per set (n² arcs)");
  const auto r = ot::linear_assignment(ot::sq_euclidean_cost(x, y));
  W2Result w;
  w.status = r.status;
  w.w2sq = r.cost;
  w.w2 = std::sqrt(r.cost);
  w.seconds = r.seconds;
  return w;
}

W2Result w2_exact_weighted(const Mat& x, const Mat& atoms, const Vec& b) {
  FM_REQUIRE(x.cols() == atoms.cols() && b.size() == atoms.rows(), "exact W2: dimension mismatch");
  FM_REQUIRE(x.rows() * atoms.rows() <= 25'000'000, "exact W2: at most 2.5e7 arcs");
  const Vec a = Vec::Constant(x.rows(), 1.0 / static_cast<double>(x.rows()));
  const auto r = ot::exact_ot(ot::sq_euclidean_cost(x, atoms), a, b);
  W2Result w;
  w.status = r.status;
  w.w2sq = std::max(0.0, r.cost);
  w.w2 = std::sqrt(w.w2sq);
  w.seconds = r.seconds;
  return w;
}

Mat sliced_directions(Index d, Index projections, std::uint64_t seed) {
  FM_REQUIRE(projections >= 1, "sliced W2: need at least one projection");
  Rng rng(seed, "metrics/sliced-directions");
  Mat dirs = rng.normal(projections, d);
  dirs.rowwise().normalize();
  return dirs;
}

namespace {
// 1-D W2² between empirical measures by their quantile functions (exact for any sizes).
double w2sq_1d(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a.size() == b.size()) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s / static_cast<double>(a.size());
  }
  // Merge the two step quantile functions over [0, 1].
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double u = 0, s = 0;
  while (i < a.size() && j < b.size()) {
    const double next = std::min((static_cast<double>(i) + 1) / na, (static_cast<double>(j) + 1) / nb);
    s += (next - u) * (a[i] - b[j]) * (a[i] - b[j]);
    u = next;
    if ((static_cast<double>(i) + 1) / na <= u + 1e-15) ++i;
    if ((static_cast<double>(j) + 1) / nb <= u + 1e-15) ++j;
  }
  return s;
}
}  // namespace

double sliced_w2sq(const Mat& x, const Mat& y, const Mat& dirs) {
  FM_REQUIRE(x.cols() == y.cols() && x.cols() == dirs.cols(), "sliced W2: dimension mismatch");
  const Mat px = x * dirs.transpose(), py = y * dirs.transpose();
  double total = 0;
  for (Index k = 0; k < dirs.rows(); ++k) {
    std::vector<double> a(static_cast<std::size_t>(x.rows())), b(static_cast<std::size_t>(y.rows()));
    for (Index i = 0; i < x.rows(); ++i) a[static_cast<std::size_t>(i)] = px(i, k);
    for (Index i = 0; i < y.rows(); ++i) b[static_cast<std::size_t>(i)] = py(i, k);
    total += w2sq_1d(std::move(a), std::move(b));
  }
  return total / static_cast<double>(dirs.rows());
}

}  // namespace fm::metrics
