#include "fmkit/metrics/per_class_distances.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/metrics/kernel_distances.hpp"
#include "fmkit/metrics/wasserstein.hpp"

namespace fm::metrics {
namespace {

Mat rows_of(const Mat& x, const std::vector<Index>& labels, Index c) {
  Index n = 0;
  for (Index l : labels) n += l == c;
  Mat out(n, x.cols());
  for (Index i = 0, r = 0; i < x.rows(); ++i)
    if (labels[static_cast<std::size_t>(i)] == c) out.row(r++) = x.row(i);
  return out;
}

}  // namespace

PerClassDistances per_class_distances(const Mat& gen, const std::vector<Index>& gen_labels, const Mat& ref,
                                      const std::vector<Index>& ref_labels, Index classes) {
  FM_REQUIRE(static_cast<Index>(gen_labels.size()) == gen.rows() && static_cast<Index>(ref_labels.size()) == ref.rows(),
             "per-class distances: one label per point expected");
  FM_REQUIRE(gen.cols() == ref.cols(), "per-class distances: dimensions differ");
  PerClassDistances r;
  r.w2 = Vec::Constant(classes, std::nan(""));
  r.energy = Vec::Constant(classes, std::nan(""));
  double sw = 0, se = 0;
  for (Index c = 0; c < classes; ++c) {
    const Mat g = rows_of(gen, gen_labels, c), y = rows_of(ref, ref_labels, c);
    if (g.rows() < 2 || y.rows() < 2) continue;  // the energy distance needs two points a side
    // The reference as uniform atoms: exact W2 for unequal sizes (network simplex).
    r.w2[c] = w2_exact_weighted(g, y, Vec::Constant(y.rows(), 1.0 / static_cast<double>(y.rows()))).w2;
    r.energy[c] = energy_distance(g, y);
    sw += r.w2[c];
    se += r.energy[c];
    ++r.scored;
  }
  if (r.scored > 0) {
    r.mean_w2 = sw / static_cast<double>(r.scored);
    r.mean_energy = se / static_cast<double>(r.scored);
  }
  return r;
}

}  // namespace fm::metrics
