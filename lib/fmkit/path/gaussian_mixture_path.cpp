#include "fmkit/path/gaussian_mixture_path.hpp"

#include <algorithm>
#include <cmath>
#include <Eigen/Eigenvalues>
#include <numbers>

#include "fmkit/core/error.hpp"
#include "fmkit/core/inverse_cdf.hpp"

namespace fm::path {

GaussianMixturePath::GaussianMixturePath(std::vector<CouplingBlock> blocks, double sigma2, const std::string& where,
                                         bool allow_singular)
    : blocks_(std::move(blocks)), sigma2_(sigma2) {
  if (blocks_.empty()) usage_error(where + ": no coupling blocks");
  if (!(sigma2_ >= 0) || !std::isfinite(sigma2_)) usage_error(where + ": sigma2 must be finite and >= 0");
  d_ = blocks_[0].m0.size();
  double wsum = 0;
  for (std::size_t j = 0; j < blocks_.size(); ++j) {
    const CouplingBlock& b = blocks_[j];
    const std::string wj = where + " block " + std::to_string(j);
    if (b.weight < 0) usage_error(wj + ": negative weight");
    wsum += b.weight;
    if (b.m0.size() != d_ || b.m1.size() != d_ || b.S0.rows() != d_ || b.S1.rows() != d_ || b.C.rows() != d_ ||
        b.C.cols() != d_)
      usage_error(wj + ": source and target dimensions differ (" + std::to_string(b.m0.size()) + " vs " +
                  std::to_string(b.m1.size()) + ")");
    Square joint(2 * d_, 2 * d_);
    joint << b.S0, b.C, b.C.transpose(), b.S1;
    if (!allow_singular) {
      dist::cholesky_or_throw(joint, wj + ": joint covariance [[S0, C], [C^T, S1]]");
      continue;
    }
    if (!joint.allFinite() || (joint - joint.transpose()).cwiseAbs().maxCoeff() > 1e-12 * (1 + joint.cwiseAbs().maxCoeff()))
      usage_error(wj + ": joint covariance [[S0, C], [C^T, S1]] is not symmetric");
    const Vec ev = Eigen::SelfAdjointEigenSolver<Square>(joint).eigenvalues();
    if (ev[0] < -1e-12 * std::max(1.0, ev[ev.size() - 1]))
      usage_error(wj + ": joint covariance [[S0, C], [C^T, S1]] is not positive semi-definite");
  }
  if (std::abs(wsum - 1) > 1e-9) usage_error(where + ": block weights sum to " + std::to_string(wsum) + ", expected 1");
}

GaussianMixturePath GaussianMixturePath::independent(const dist::Gaussian& source, const dist::GaussianMixture& target,
                                                     double sigma2) {
  if (source.dim() != target.dim())
    usage_error("source has dimension " + std::to_string(source.dim()) + " but target has dimension " +
                std::to_string(target.dim()));
  std::vector<CouplingBlock> blocks;
  const Index d = source.dim();
  for (std::size_t k = 0; k < target.components().size(); ++k) {
    const auto& c = target.components()[k];
    blocks.push_back({target.weights()[static_cast<Index>(k)], source.mean(), c.mean(), source.cov(), c.cov(),
                      Square::Zero(d, d)});
  }
  return GaussianMixturePath(std::move(blocks), sigma2);
}

GaussianMixturePath GaussianMixturePath::gaussian_coupling(const dist::Gaussian& source, const dist::Gaussian& target,
                                                           const Square& cross_cov, double sigma2) {
  if (source.dim() != target.dim())
    usage_error("source has dimension " + std::to_string(source.dim()) + " but target has dimension " +
                std::to_string(target.dim()));
  if (cross_cov.rows() != source.dim() || cross_cov.cols() != source.dim())
    usage_error("coupling.cross_cov: expected a " + std::to_string(source.dim()) + "x" +
                std::to_string(source.dim()) + " matrix");
  return GaussianMixturePath({{1.0, source.mean(), target.mean(), source.cov(), target.cov(), cross_cov}}, sigma2,
                             "coupling");
}

Vec GaussianMixturePath::block_mean(std::size_t j, double t) const {
  return (1 - t) * blocks_[j].m0 + t * blocks_[j].m1;
}

Square GaussianMixturePath::block_cov(std::size_t j, double t) const {
  const CouplingBlock& b = blocks_[j];
  Square s = (1 - t) * (1 - t) * b.S0 + t * t * b.S1 + t * (1 - t) * (b.C + b.C.transpose());
  s.diagonal().array() += sigma2_ * t * (1 - t);
  return s;
}

Square GaussianMixturePath::block_cross(std::size_t j, double t) const {
  const CouplingBlock& b = blocks_[j];
  return (1 - t) * (b.C.transpose() - b.S0) + t * (b.S1 - b.C);
}

AffineMixture GaussianMixturePath::snapshot(double t, FieldKind kind) const {
  AffineMixture am;
  am.d = d_;
  const double dd = static_cast<double>(d_);
  for (std::size_t j = 0; j < blocks_.size(); ++j) {
    if (blocks_[j].weight <= 0) continue;
    AffineComponent c;
    c.log_weight = std::log(blocks_[j].weight);
    c.mean = block_mean(j, t);
    const Square cov = block_cov(j, t);
    Eigen::LLT<Square> llt(cov);
    if (llt.info() != Eigen::Success)
      runtime_error("path: covariance of p_t is singular at t = " + std::to_string(t) +
                    " (a point-mass target needs early stopping)");
    const Square L = llt.matrixL();
    c.prec = llt.solve(Square::Identity(d_, d_));
    c.log_norm = -0.5 * (dd * std::log(2 * std::numbers::pi)) - L.diagonal().array().log().sum();
    if (kind == FieldKind::Score) {
      c.offset = Vec::Zero(d_);
      c.gain = -c.prec;
    } else {
      c.offset = blocks_[j].m1 - blocks_[j].m0;
      Square k = block_cross(j, t);
      const double shift = kind == FieldKind::Velocity ? sigma2_ * (1 - 2 * t) / 2 : -sigma2_ * t;
      k.diagonal().array() += shift;
      c.gain = k * c.prec;
    }
    am.comps.push_back(std::move(c));
  }
  return am;
}

void GaussianMixturePath::evaluate(double t, FieldKind kind, const Mat& x, unsigned want, Derivs& out) const {
  path::evaluate(snapshot(t, kind), x, want, out);
}

Vec GaussianMixturePath::log_density(double t, const Mat& x) const {
  Derivs unused;
  Vec lp;
  path::evaluate(snapshot(t, FieldKind::Score), x, 0, unused, &lp);
  return lp;
}

Mat GaussianMixturePath::score(double t, const Mat& x) const {
  Derivs out;
  path::evaluate(snapshot(t, FieldKind::Score), x, kValue, out);
  return out.value;
}

Mat GaussianMixturePath::sample(double t, Index n, Rng& rng) const {
  std::vector<Square> chol;
  std::vector<Vec> means;
  std::vector<double> weights;
  for (std::size_t j = 0; j < blocks_.size(); ++j) {
    means.push_back(block_mean(j, t));
    Eigen::LLT<Square> llt(block_cov(j, t));
    chol.push_back(llt.matrixL());
    weights.push_back(blocks_[j].weight);
  }
  Mat x(n, d_);
  for (Index i = 0; i < n; ++i) {
    const auto j = static_cast<std::size_t>(inverse_cdf(weights.data(), static_cast<Index>(weights.size()), rng.uniform()));
    Vec z(d_);
    for (Index k = 0; k < d_; ++k) z[k] = rng.normal();
    x.row(i) = (means[j] + chol[j] * z).transpose();
  }
  return x;
}

Mat GaussianMixturePath::sample_rows(const Vec& t, Rng& rng) const {
  // Equal times: one factorisation for the batch (draws consumed in the same order as per row).
  if (t.size() > 0 && (t.array() == t[0]).all()) return sample(t[0], t.size(), rng);
  Mat x(t.size(), d_);
  for (Index i = 0; i < t.size(); ++i) x.row(i) = sample(t[i], 1, rng).row(0);
  return x;
}

Vec GaussianMixturePath::mean(double t) const {
  Vec m = Vec::Zero(d_);
  for (std::size_t j = 0; j < blocks_.size(); ++j) m += blocks_[j].weight * block_mean(j, t);
  return m;
}

double GaussianMixturePath::second_moment(double t) const {
  double s = 0;
  for (std::size_t j = 0; j < blocks_.size(); ++j)
    s += blocks_[j].weight * (block_mean(j, t).squaredNorm() + block_cov(j, t).trace());
  return s;
}

}  // namespace fm::path
