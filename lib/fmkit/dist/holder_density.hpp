// The limited-smoothness family of the TV-rate study (theory/tv_rate.md "Targets"), d = 1:
//   p(x) = φ(x) (1 + a (|x|^β − m_β)),   m_β = E_φ|X|^β = 2^{β/2} Γ((β+1)/2)/√π,
// which integrates to 1, is positive when a·m_β < 1, and is β-Hölder at 0 (smooth elsewhere).
// Sampled by rejection from N(0, s²) (s = 1.3) under an envelope constant M ≥ sup p/g found
// numerically at construction and checked on an independent, finer grid.
#pragma once
#include "fmkit/dist/distribution.hpp"

namespace fm::dist {

class HolderDensity : public Distribution {
 public:
  // `where` names the spec in error messages. β in (0, 2], a ≥ 0 with a·m_β < 1.
  HolderDensity(double beta, double a, const std::string& where = "holder");

  Index dim() const override { return 1; }
  Mat sample(Index n, Rng& rng) const override;
  bool has_density() const override { return true; }
  Vec log_density(const Mat& x) const override;
  // p'/p; at the kink x = 0 the one-sided derivatives of |x|^β differ (β ≤ 1: they are ±∞) and
  // the symmetric value 0 is returned.
  Mat score(const Mat& x) const override;
  std::string name() const override { return "holder"; }

  double beta() const { return beta_; }
  double a() const { return a_; }
  double m_beta() const { return m_beta_; }
  double envelope() const { return envelope_; }         // M with p ≤ M g
  double proposal_std() const { return kProposalStd; }
  double log_density_at(double x) const;
  double score_at(double x) const;
  // sup over x of p(x)/g(x) on a grid of `points` in [0, 12] (p/g is even): the envelope check.
  double ratio_sup(int points) const;

 private:
  double log_ratio_at(double x) const;  // log p(x)/g(x)
  double ratio_at(double x) const;
  static constexpr double kProposalStd = 1.3;
  double beta_, a_, m_beta_, envelope_;
};

}  // namespace fm::dist
