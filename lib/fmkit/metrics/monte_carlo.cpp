#include "fmkit/metrics/monte_carlo.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/ot/network_simplex.hpp"

namespace fm::metrics {
namespace {
// Nearest-neighbour distances from each row of a to the set b, in blocks to bound memory.
Vec nn_distance(const Mat& a, const Mat& b) {
  Vec out(a.rows());
  const Index block = 1024;
  for (Index r0 = 0; r0 < a.rows(); r0 += block) {
    const Index rows = std::min(block, a.rows() - r0);
    const Mat c = ot::sq_euclidean_cost(a.middleRows(r0, rows), b);
    out.segment(r0, rows) = c.rowwise().minCoeff().cwiseSqrt();
  }
  return out;
}
}  // namespace

Estimate mc_kl(const Vec& log_p, const Vec& log_q) {
  FM_REQUIRE(log_p.size() == log_q.size(), "KL: log p and log q differ in length");
  return mean_se(log_p - log_q);
}

Estimate mc_tv(const Vec& log_p, const Vec& log_q) {
  FM_REQUIRE(log_p.size() == log_q.size(), "TV: log p and log q differ in length");
  return mean_se((1.0 - (log_q - log_p).array().exp()).max(0.0).matrix());
}

double memorisation_ratio(const Mat& generated, const Mat& train, const Mat& test) {
  FM_REQUIRE(generated.cols() == train.cols() && test.cols() == train.cols(), "memorisation: dimension mismatch");
  Vec ref = nn_distance(test, train);
  std::vector<double> r(ref.data(), ref.data() + ref.size());
  std::nth_element(r.begin(), r.begin() + static_cast<long>(r.size() / 2), r.end());
  const double r_ref = r[r.size() / 2];
  const Vec g = nn_distance(generated, train);
  return static_cast<double>((g.array() < r_ref).count()) / static_cast<double>(g.size());
}

}  // namespace fm::metrics
