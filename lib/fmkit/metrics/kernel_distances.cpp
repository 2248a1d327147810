#include "fmkit/metrics/kernel_distances.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/ot/network_simplex.hpp"

namespace fm::metrics {
namespace {
// Mean of f over off-diagonal entries of a square matrix (U-statistic), or all entries.
double mean_offdiag(const Mat& m) {
  const double n = static_cast<double>(m.rows());
  return (m.sum() - m.diagonal().sum()) / (n * (n - 1));
}
}  // namespace

double energy_distance(const Mat& x, const Mat& y) {
  FM_REQUIRE(x.rows() >= 2 && y.rows() >= 2, "energy distance: need at least two points per set");
  const Mat dxy = ot::sq_euclidean_cost(x, y).cwiseSqrt();
  const Mat dxx = ot::sq_euclidean_cost(x, x).cwiseSqrt();
  const Mat dyy = ot::sq_euclidean_cost(y, y).cwiseSqrt();
  return 2 * dxy.mean() - mean_offdiag(dxx) - mean_offdiag(dyy);
}

double mmd2_unbiased(const Mat& x, const Mat& y, const std::vector<double>& bandwidths) {
  FM_REQUIRE(x.rows() >= 2 && y.rows() >= 2, "MMD: need at least two points per set");
  FM_REQUIRE(!bandwidths.empty(), "MMD: need at least one bandwidth");
  auto kernel = [&](const Mat& sq) {
    Mat k = Mat::Zero(sq.rows(), sq.cols());
    for (double h : bandwidths) {
      FM_REQUIRE(h > 0, "MMD: bandwidths must be positive");
      k += (-sq.array() / (2 * h * h)).exp().matrix();
    }
    return k;
  };
  return mean_offdiag(kernel(ot::sq_euclidean_cost(x, x))) + mean_offdiag(kernel(ot::sq_euclidean_cost(y, y))) -
         2 * kernel(ot::sq_euclidean_cost(x, y)).mean();
}

double median_pairwise_distance(const Mat& x) {
  const Mat d = ot::sq_euclidean_cost(x, x);
  std::vector<double> v;
  for (Index i = 0; i < d.rows(); ++i)
    for (Index j = i + 1; j < d.cols(); ++j) v.push_back(d(i, j));
  FM_REQUIRE(!v.empty(), "median distance: need at least two points");
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return std::sqrt(v[v.size() / 2]);
}

std::vector<double> median_bandwidths(const Mat& ref) {
  const double m = median_pairwise_distance(ref);
  return {0.5 * m, m, 2 * m};
}

}  // namespace fm::metrics
