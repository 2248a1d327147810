#include "fmkit/field/gaussian_average_velocity.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::field {

GaussianAverageVelocity::GaussianAverageVelocity(Vec mean, Vec std) : mean_(std::move(mean)), var_(std.array().square()) {
  FM_REQUIRE(mean_.size() == std.size() && mean_.size() >= 1, "gaussian average velocity: mean and std differ in size");
  FM_REQUIRE((std.array() > 0).all() && std.allFinite(), "gaussian average velocity: std must be positive");
}

Vec GaussianAverageVelocity::sigma(double t) const {
  return ((1 - t) * (1 - t) + t * t * var_.array()).sqrt().matrix();
}

Mat GaussianAverageVelocity::velocity(const Mat& x, double t) const {
  const Vec st = sigma(t);
  const Vec rate = ((t * var_.array() - (1 - t)) / st.array().square()).matrix();  // σ_t'/σ_t
  Mat out = x.rowwise() - t * mean_.transpose();
  out.array().rowwise() *= rate.transpose().array();
  out.rowwise() += mean_.transpose();
  return out;
}

Mat GaussianAverageVelocity::average(const Mat& x, const Vec& t, const Vec& s) const {
  FM_REQUIRE(x.cols() == dim() && t.size() == x.rows() && s.size() == x.rows(),
             "gaussian average velocity: points and times do not match");
  Mat out(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) {
    FM_REQUIRE(t[i] <= s[i], "average velocity: needs t <= s");
    if (s[i] == t[i]) {
      out.row(i) = velocity(x.row(i), t[i]);
      continue;
    }
    const Vec ratio = (sigma(s[i]).array() / sigma(t[i]).array()).matrix();
    const Vec centred = x.row(i).transpose() - t[i] * mean_;
    out.row(i) = ((s[i] * mean_ + ratio.cwiseProduct(centred) - x.row(i).transpose()) / (s[i] - t[i])).transpose();
  }
  return out;
}

}  // namespace fm::field
