// Closed-form marginal fields of X_t = (1−t)X₀ + tX₁ + σ√(t(1−t)) Z when the coupling of
// (X₀, X₁) is a mixture of joint Gaussian blocks (theory/dfm.md §3.1–3.3, kl_bound.md §4b–c):
// independent Gaussian source × Gaussian/mixture target, a Gaussian coupling with cross-covariance
// C, or block (component-level) couplings. σ² = 0 is the linear interpolant.
//   velocity (ODE): u = E[X₁−X₀|x] − σ²(1−2t)/2 ∇log p_t      (= E[X₁−X₀|x] for σ² = 0)
//   drift (SDE):    b = E[X₁−X₀|x] + σ² t ∇log p_t              (Markovian projection)
//   score:          ∇log p_t
#pragma once
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/gmm.hpp"
#include "fmkit/path/affine_mixture.hpp"

namespace fm::path {

// One joint-Gaussian block of the coupling: (X₀, X₁) ~ N((m0, m1), [[S0, C], [Cᵀ, S1]]).
struct CouplingBlock {
  double weight = 1;
  Vec m0, m1;
  Square S0, S1, C;
};

enum class FieldKind { Velocity, Drift, Score };

class GaussianMixturePath {
 public:
  // Validates weights (≥ 0, sum 1), shapes, and positive-definiteness of each joint covariance.
  // `allow_singular` accepts positive semi-definite joints (a point-mass target, |ρ| = 1): with
  // σ² > 0 every Σ_t, 0 < t < 1, is still positive definite, which is all early stopping needs.
  GaussianMixturePath(std::vector<CouplingBlock> blocks, double sigma2, const std::string& where = "path",
                      bool allow_singular = false);
  static GaussianMixturePath independent(const dist::Gaussian& source, const dist::GaussianMixture& target,
                                         double sigma2);
  static GaussianMixturePath gaussian_coupling(const dist::Gaussian& source, const dist::Gaussian& target,
                                               const Square& cross_cov, double sigma2);

  Index dim() const { return d_; }
  double sigma2() const { return sigma2_; }
  const std::vector<CouplingBlock>& blocks() const { return blocks_; }

  // Per-block mean m_t, covariance Σ_t and K_t = Cov(X₁ − X₀, X_t).
  Vec block_mean(std::size_t j, double t) const;
  Square block_cov(std::size_t j, double t) const;
  Square block_cross(std::size_t j, double t) const;

  // The field `kind` at time t as an affine mixture (a runtime error if some Σ_t is singular).
  AffineMixture snapshot(double t, FieldKind kind) const;
  void evaluate(double t, FieldKind kind, const Mat& x, unsigned want, Derivs& out) const;
  Vec log_density(double t, const Mat& x) const;
  Mat score(double t, const Mat& x) const;
  Mat sample(double t, Index n, Rng& rng) const;
  Mat sample_rows(const Vec& t, Rng& rng) const;  // row i drawn from p_{t_i}
  Vec mean(double t) const;
  double second_moment(double t) const;  // E‖X_t‖²

 private:
  std::vector<CouplingBlock> blocks_;
  double sigma2_;
  Index d_;
};

}  // namespace fm::path
