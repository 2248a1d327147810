// Gaussian mixture Σ_k π_k N(μ_k, Σ_k): exact sampling, log-density (log-sum-exp) and score.
#pragma once
#include <vector>

#include "fmkit/dist/gaussian.hpp"

namespace fm::dist {

class GaussianMixture : public Distribution {
 public:
  // Weights must be non-negative and sum to 1 (within 1e-9); all components share one dimension.
  GaussianMixture(Vec weights, std::vector<Gaussian> components, const std::string& where = "gmm");

  Index dim() const override { return comps_.front().dim(); }
  Mat sample(Index n, Rng& rng) const override;
  Index classes() const override { return static_cast<Index>(comps_.size()); }  // the component
  Mat sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const override;
  bool has_density() const override { return true; }
  Vec log_density(const Mat& x) const override;
  Mat score(const Mat& x) const override;
  std::string name() const override { return "gmm"; }

  const Vec& weights() const { return weights_; }
  const std::vector<Gaussian>& components() const { return comps_; }
  // Per-point responsibilities (n×K) and log-density, shared by log_density and score.
  Mat responsibilities(const Mat& x, Vec* log_density = nullptr) const;

 private:
  Vec weights_;
  std::vector<Gaussian> comps_;
};

}  // namespace fm::dist
