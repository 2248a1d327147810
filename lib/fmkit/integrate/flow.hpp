// Pushes a batch through the ODE dx/dt = v(x, t) with any solver, in fixed-size chunks run in
// parallel (chunking is independent of the thread count, so results are too), optionally
// storing K intermediate states for trajectory plots.
#pragma once
#include <string>
#include <vector>

#include "fmkit/field/velocity_field.hpp"
#include "fmkit/integrate/dopri5.hpp"
#include "fmkit/io/summary.hpp"

namespace fm::integrate {

struct FlowOptions {
  Method method = Method::Dopri5;
  long nfe = 100;          // fixed-step budget: steps = nfe / (evaluations per step)
  Dopri5Options dopri;     // adaptive solver settings
  long trajectories = 0;   // K > 0: also store the state at K+1 evenly spaced times
  Index chunk = 1024;      // rows integrated together
  void validate() const;
  long steps() const { return method == Method::Dopri5 ? 0 : std::max(1L, nfe / stages(method)); }
};

struct FlowResult {
  // Complete for fixed steps, Converged for Dopri5 (a failed solve throws: never a partial result).
  Status status = Status::Complete;
  Mat x;
  long nfe_max = 0;       // evaluations on the costliest chunk (= per-sample NFE for fixed steps)
  double nfe_mean = 0;    // mean per-sample evaluations over chunks
  std::vector<double> traj_t;
  std::vector<Mat> traj;  // traj[k] is the batch at traj_t[k]
  std::string brief() const;
  void summarize(io::Summary& s) const;  // status, nfe (the costliest chunk's), nfe_mean
};

// A failed adaptive solve (step limit, non-finite state) throws a runtime error saying so.
FlowResult integrate_flow(const field::VelocityField& v, const Mat& x0, double t0, double t1, const FlowOptions& opts);

}  // namespace fm::integrate
