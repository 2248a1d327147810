#include "fmkit/path/interpolant.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::path {

Mat Interpolant::point(const Mat& x0, const Mat& x1, const Vec& t, const Mat& z) const {
  FM_REQUIRE(x0.rows() == x1.rows() && x0.cols() == x1.cols() && t.size() == x0.rows(),
             "interpolant: x0, x1 and t must have matching shapes");
  Mat x = x0.array().colwise() * (1 - t.array()) + x1.array().colwise() * t.array();
  if (sigma2 > 0) {
    FM_REQUIRE(z.rows() == x0.rows() && z.cols() == x0.cols(), "interpolant: noise z has the wrong shape");
    const Vec s = (sigma2 * t.array() * (1 - t.array())).sqrt();
    x += (z.array().colwise() * s.array()).matrix();
  }
  return x;
}

Mat Interpolant::drift_target(const Mat& x0, const Mat& x1, const Vec& t, const Mat& z) const {
  Mat y = x1 - x0;
  if (sigma2 > 0) {
    FM_REQUIRE((t.array() < 1).all(), "drift target: t must be < 1 (the bridge drift blows up at t = 1)");
    const Vec s = (sigma2 * t.array() / (1 - t.array())).sqrt();
    y -= (z.array().colwise() * s.array()).matrix();
  }
  return y;
}

}  // namespace fm::path
