// The synthetic Brenier-map target BR of theory/sdfm.md §8: Y = ∇φ(X), X ~ N(0, I_d), with
//   φ(x) = ½ xᵀA x + Σ_{k=1..16} softplus(w_kᵀx + c_k),   ∇φ(x) = A x + Σ_k σ(w_kᵀx + c_k) w_k,
// A = Q diag(λ) Qᵀ (Q Haar, log λ_i ~ U[log ½, log 2]), w_k ~ N(0, (4/d) I), c_k ~ N(0, 1). φ is
// strictly convex, so ∇φ is the optimal transport map from N(0, I) to the law of Y: the ground
// truth a trained flow's endpoint map can be scored against. Spec {"type":"brenier","dim":8,"seed":0}.
#pragma once
#include "fmkit/dist/distribution.hpp"

namespace fm::dist {

class BrenierMap : public Distribution {
 public:
  BrenierMap(Index dim, std::uint64_t seed);
  Index dim() const override { return a_.rows(); }
  Mat sample(Index n, Rng& rng) const override;  // ∇φ of standard normal draws
  std::string name() const override { return "brenier:" + std::to_string(a_.rows()); }
  // ∇φ on a batch (n × d).
  Mat map(const Mat& x) const;
  const Square& matrix() const { return a_; }

 private:
  Square a_;  // A
  Mat w_;     // 16 × d
  Vec c_;     // 16
};

}  // namespace fm::dist
