#include "fmkit/dist/gaussian.hpp"

#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm::dist {

Square cholesky_or_throw(const Square& s, const std::string& where) {
  if (s.rows() != s.cols()) usage_error(where + ": covariance must be square");
  if (!s.allFinite()) usage_error(where + ": covariance has non-finite entries");
  if ((s - s.transpose()).cwiseAbs().maxCoeff() > 1e-10 * (1 + s.cwiseAbs().maxCoeff()))
    usage_error(where + ": covariance is not symmetric");
  Eigen::LLT<Square> llt(s);
  if (llt.info() != Eigen::Success || (llt.matrixL().toDenseMatrix().diagonal().array() <= 0).any())
    usage_error(where + ": covariance is not positive definite");
  return llt.matrixL();
}

Gaussian::Gaussian(Vec mean, Square cov, const std::string& where) : mean_(std::move(mean)), cov_(std::move(cov)) {
  if (mean_.size() == 0) usage_error(where + ": empty mean");
  if (cov_.rows() != mean_.size())
    usage_error(where + ": covariance is " + std::to_string(cov_.rows()) + "x" + std::to_string(cov_.cols()) +
                " but the mean has dimension " + std::to_string(mean_.size()));
  chol_ = cholesky_or_throw(cov_, where);
  log_det_ = 2.0 * chol_.diagonal().array().log().sum();
  prec_ = chol_.triangularView<Eigen::Lower>().solve(Square::Identity(dim(), dim()));
  prec_ = prec_.transpose() * prec_;
}

Gaussian Gaussian::isotropic(Vec mean, double std) {
  if (!(std > 0) || !std::isfinite(std)) usage_error("gaussian: std must be positive and finite");
  const Index d = mean.size();
  return Gaussian(std::move(mean), Square::Identity(d, d) * (std * std));
}

Mat Gaussian::sample(Index n, Rng& rng) const {
  Mat z = rng.normal(n, dim());
  Mat x = z * chol_.transpose();
  x.rowwise() += mean_.transpose();
  return x;
}

Vec Gaussian::log_density(const Mat& x) const {
  FM_REQUIRE(x.cols() == dim(), "gaussian log_density: points have dimension " + std::to_string(x.cols()) +
                                    ", expected " + std::to_string(dim()));
  Mat y = x.rowwise() - mean_.transpose();
  // Whitened residuals: solve L zᵀ = yᵀ.
  Eigen::MatrixXd z = chol_.triangularView<Eigen::Lower>().solve(y.transpose());
  const double c = -0.5 * (static_cast<double>(dim()) * std::log(2 * std::numbers::pi) + log_det_);
  return (c - 0.5 * z.colwise().squaredNorm().array()).matrix().transpose();
}

Mat Gaussian::score(const Mat& x) const {
  FM_REQUIRE(x.cols() == dim(), "gaussian score: dimension mismatch");
  Mat y = x.rowwise() - mean_.transpose();
  return -(y * prec_);
}

}  // namespace fm::dist
