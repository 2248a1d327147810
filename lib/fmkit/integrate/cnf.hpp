// log q_t(x) and ∇log q_t(x) of the flow of v started from a source with known density, by the
// augmented backward ODE of theory/kl_bound.md §3 — no autodiff:
//   dz/ds = v,  dℓ/ds = ∇·v,  dW/ds = ∇v W,  dη/ds = Wᵀ ∇(∇·v),   from s = t down to 0,
//   log q_t(x) = log p₀(z(0)) + ℓ(0),   ∇log q_t(x) = W(0)ᵀ ∇log p₀(z(0)) + η(0).
#pragma once
#include <string>

#include "fmkit/core/status.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/dopri5.hpp"
#include "fmkit/io/summary.hpp"

namespace fm::integrate {

struct CnfOptions {
  Dopri5Options ode;   // rtol 1e-6, atol 1e-8, 10 000 steps; Dopri5Options::tight() for 3e-7/3e-9
  bool score = true;   // false drops W and η (log q only: state d+1 instead of d+1+d²+d)
  Index chunk = 64;    // points integrated together (each chunk adapts its own steps)
  void validate() const;
};

struct CnfResult {
  Status status = Status::Converged;  // every chunk met the tolerances (a failed one throws)
  Vec log_q;
  Mat score;  // empty unless opts.score
  long nfe_max = 0;
  double nfe_mean = 0;
  std::string brief() const;
  // logprob_status, logprob_n, mean_log_q, logprob_nfe_max, logprob_nfe_mean.
  void summarize(io::Summary& s) const;
};

// Throws a runtime error if any chunk exceeds the step limit: never a silent partial result.
CnfResult cnf_log_density(const field::VelocityField& v, const dist::Distribution& source, const Mat& x, double t,
                          const CnfOptions& opts);

}  // namespace fm::integrate
