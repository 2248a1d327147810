// The average velocity in closed form for the independent coupling of N(0, I) with a Gaussian
// target N(m, diag(σ²)) under the linear interpolant. The marginal path is p_t = N(t m,
// diag(σ_t²)), σ_t² = (1 − t)² + t² σ², and its flow is affine: ψ_t(z) = t m + σ_t ⊙ z. Hence
//   U(x, t, s) = (s m + (σ_s/σ_t) ⊙ (x − t m) − x)/(s − t),
//   U(x, t, t) = v(x, t) = m + (σ_t'/σ_t) ⊙ (x − t m),  σ_t' = (t σ² − (1 − t))/σ_t.
// The reference a mean-flow model is tested against (theory/sdfm_variants.md §2, check (a)).
#pragma once
#include "fmkit/field/average_velocity.hpp"

namespace fm::field {

class GaussianAverageVelocity : public AverageVelocity {
 public:
  GaussianAverageVelocity(Vec mean, Vec std);  // target mean and per-coordinate std (> 0)
  Index dim() const override { return mean_.size(); }
  Mat average(const Mat& x, const Vec& t, const Vec& s) const override;
  std::string name() const override { return "gaussian-average-velocity"; }
  // The instantaneous velocity v(x, t) = U(x, t, t).
  Mat velocity(const Mat& x, double t) const;

 private:
  Vec mean_, var_;
  Vec sigma(double t) const;  // σ_t per coordinate
};

}  // namespace fm::field
