#include "fmkit/dist/gmm.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/inverse_cdf.hpp"

namespace fm::dist {

GaussianMixture::GaussianMixture(Vec weights, std::vector<Gaussian> components, const std::string& where)
    : weights_(std::move(weights)), comps_(std::move(components)) {
  if (comps_.empty()) usage_error(where + ": a mixture needs at least one component");
  if (weights_.size() != static_cast<Index>(comps_.size()))
    usage_error(where + ": " + std::to_string(weights_.size()) + " weights for " + std::to_string(comps_.size()) +
                " components");
  if ((weights_.array() < 0).any()) usage_error(where + ".weights: weights must be non-negative");
  if (std::abs(weights_.sum() - 1.0) > 1e-9)
    usage_error(where + ".weights: weights sum to " + std::to_string(weights_.sum()) + ", expected 1");
  for (std::size_t k = 1; k < comps_.size(); ++k)
    if (comps_[k].dim() != comps_[0].dim())
      usage_error(where + ": component " + std::to_string(k) + " has dimension " + std::to_string(comps_[k].dim()) +
                  ", expected " + std::to_string(comps_[0].dim()));
}

Mat GaussianMixture::sample(Index n, Rng& rng) const {
  std::vector<Index> labels;
  return sample_labelled(n, rng, labels);
}

Mat GaussianMixture::sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const {
  Mat x(n, dim());
  labels.assign(static_cast<std::size_t>(n), 0);
  for (Index i = 0; i < n; ++i) {
    // Inverse-CDF draw of the component label, then one Gaussian draw.
    const auto k = static_cast<std::size_t>(inverse_cdf(weights_.data(), weights_.size(), rng.uniform()));
    Vec z(dim());
    for (Index j = 0; j < dim(); ++j) z[j] = rng.normal();
    x.row(i) = (comps_[k].mean() + comps_[k].chol() * z).transpose();
    labels[static_cast<std::size_t>(i)] = static_cast<Index>(k);
  }
  return x;
}

Mat GaussianMixture::responsibilities(const Mat& x, Vec* log_density) const {
  FM_REQUIRE(x.cols() == dim(), "gmm: points have dimension " + std::to_string(x.cols()) + ", expected " +
                                    std::to_string(dim()));
  const Index K = static_cast<Index>(comps_.size());
  Mat logp(x.rows(), K);
  for (Index k = 0; k < K; ++k)
    logp.col(k) = comps_[static_cast<std::size_t>(k)].log_density(x).array() + std::log(weights_[k]);
  const Vec mx = logp.rowwise().maxCoeff();
  Mat r = (logp.colwise() - mx).array().exp();
  const Vec s = r.rowwise().sum();
  r.array().colwise() /= s.array();
  if (log_density) *log_density = mx.array() + s.array().log();
  return r;
}

Vec GaussianMixture::log_density(const Mat& x) const {
  Vec lp;
  responsibilities(x, &lp);
  return lp;
}

Mat GaussianMixture::score(const Mat& x) const {
  const Mat r = responsibilities(x);
  Mat s = Mat::Zero(x.rows(), dim());
  for (std::size_t k = 0; k < comps_.size(); ++k)
    s += (comps_[k].score(x).array().colwise() * r.col(static_cast<Index>(k)).array()).matrix();
  return s;
}

}  // namespace fm::dist
