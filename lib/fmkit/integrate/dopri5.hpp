// Adaptive Dormand–Prince 5(4) with FSAL on batches (theory/kl_bound.md §3): every row shares
// the step, and the error norm is the largest per-row RMS of err_i / (atol + rtol·max(|y_i|,|y_new_i|)),
// so every row meets the tolerance. NFE counts every evaluation, rejected steps included.
#pragma once
#include "fmkit/core/status.hpp"
#include "fmkit/integrate/ode.hpp"

namespace fm::integrate {

struct Dopri5Options {
  double rtol = 1e-6;
  double atol = 1e-8;
  long max_steps = 10000;  // accepted + rejected
  double h0 = 0;           // initial step; 0 = Hairer's heuristic
  void validate() const;   // throws a usage error on non-positive tolerances or limits
  static Dopri5Options tight() { return {3e-7, 3e-9, 10000, 0}; }
};

struct Dopri5Result {
  Status status = Status::Converged;
  long accepted = 0, rejected = 0, nfe = 0;
  double t_reached = 0;
  std::string brief() const;
};

// Integrates y from t0 to t1 (either direction). On MaxIterations/Diverged, y holds the last
// accepted state at t_reached; the caller must check the status.
Dopri5Result dopri5(const Rhs& f, Mat& y, double t0, double t1, const Dopri5Options& opts);

}  // namespace fm::integrate
