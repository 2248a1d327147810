// A discrete target ν = Σ_j b_j δ_{y_j} (the "Gaussian → discrete" family GD of theory/sdfm.md §8):
// M atoms drawn once, iid U[−1, 1]^d, with uniform weights or weights ~ Dirichlet(1, …, 1).
// Spec {"type":"atoms","m":100,"dim":2,"weights":"uniform"|"dirichlet","seed":0}; the atoms and
// weights depend on that seed only, so every program that reads the spec sees the same set.
#pragma once
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/dist/distribution.hpp"

namespace fm::dist {

class Atoms : public Distribution {
 public:
  Atoms(Mat y, Vec b);  // b ≥ 0 summing to 1 (checked)
  Index dim() const override { return y_.cols(); }
  Mat sample(Index n, Rng& rng) const override;  // atom j with probability b_j
  std::string name() const override { return "atoms:" + std::to_string(y_.rows()); }

  const Mat& points() const { return y_; }
  const Vec& weights() const { return b_; }
  bool uniform() const;
  // The smallest distance between two distinct atoms (the scale of "landed on an atom").
  double min_separation() const;

 private:
  Mat y_;
  Vec b_;
  CumulativeWeights cumulative_;
};

// The GD generator; `weights` is "uniform" or "dirichlet".
Atoms random_atoms(Index m, Index dim, const std::string& weights, std::uint64_t seed, const std::string& where);

}  // namespace fm::dist
