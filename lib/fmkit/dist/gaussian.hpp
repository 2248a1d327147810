// Multivariate Gaussian N(mean, cov) with full or isotropic covariance, factored once by
// Cholesky (a non-positive-definite covariance is rejected at construction).
#pragma once
#include <Eigen/Cholesky>

#include "fmkit/dist/distribution.hpp"

namespace fm::dist {

class Gaussian : public Distribution {
 public:
  // `where` names the input in error messages (e.g. "target.cov").
  Gaussian(Vec mean, Square cov, const std::string& where = "gaussian");
  static Gaussian isotropic(Vec mean, double std);
  static Gaussian standard(Index d) { return isotropic(Vec::Zero(d), 1.0); }

  Index dim() const override { return mean_.size(); }
  Mat sample(Index n, Rng& rng) const override;
  bool has_density() const override { return true; }
  Vec log_density(const Mat& x) const override;
  Mat score(const Mat& x) const override;
  std::string name() const override { return "gaussian"; }

  const Vec& mean() const { return mean_; }
  const Square& cov() const { return cov_; }
  const Square& chol() const { return chol_; }  // lower factor L, cov = L Lᵀ
  double log_det() const { return log_det_; }

 private:
  Vec mean_;
  Square cov_, chol_, prec_;
  double log_det_ = 0;
};

// Cholesky of a symmetric matrix; throws a usage error naming `where` if it is not
// positive definite (or not symmetric, or not square).
Square cholesky_or_throw(const Square& s, const std::string& where);

}  // namespace fm::dist
