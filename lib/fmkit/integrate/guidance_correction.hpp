// Guided sampling corrected toward the geometric mixture q ∝ ρ₁^γ ρ₂^{1−γ} (theory/sdfm_variants.md
// §1, the paper's Prop. 4 [recalled]). The guided velocity v_γ = v₂ + γ (v₁ − v₂) does not carry the
// source to q. Along each trajectory X_t of v_γ, the weight w = q_t(X_t)/π_t(X_t) (π_t the density
// the guided flow actually carries, q_t ∝ (p¹_t)^γ (p²_t)^{1−γ}) obeys, by Feynman–Kac,
//   d log w / dt = ∂_t log q_t + ∇·v_γ + v_γ·∇log q_t = γ (γ − 1) (v₁ − v₂)·(s₁ − s₂)
//                = γ (γ − 1) t/(1 − t) ‖v₁ − v₂‖²   (+ a constant in x),
// from ∂_t log p_i = −∇·v_i − v_i·s_i (the divergences cancel) and, for the linear path from
// N(0, I), s_i = (t v_i − x)/(1 − t). In the paper's time direction (t = 0 at the data) the factor
// reads (1 − t)/t: this is the recalled weight, sign included, and the 1-D Gaussian check in
// tests/unit/test_guidance_correction.cpp confirms it (the opposite sign moves away from q).
// r trajectories are drawn per wanted sample and one is resampled by the softmax of the
// log-weights; for finite r the resampled law lies between the guided flow's and q.
#pragma once
#include <cstdint>

#include "fmkit/field/velocity_field.hpp"

namespace fm::integrate {

struct CorrectedGuidance {
  Mat x;          // one sample per group
  Vec log_w;      // every trajectory's log-weight (n·r), up to a constant per group
  double ess = 0; // mean over groups of the effective sample size (Σw)²/Σw² / r, in (0, 1]
};

// x0: n·r source draws, group g = rows [g·r, (g + 1)·r). v1 and v2 act on the same state (v1 the
// conditional velocity, v2 the unconditional one); `steps` explicit-midpoint steps on [0, 1]
// carry x and the weight integral together (the integrand is never taken at t = 1, where its
// factor t/(1 − t) is infinite). `resample` false keeps every trajectory's end point (x has n·r rows).
CorrectedGuidance corrected_guidance(const field::VelocityField& v1, const field::VelocityField& v2, double gamma,
                                     const Mat& x0, Index r, long steps, std::uint64_t seed, bool resample = true);

}  // namespace fm::integrate
