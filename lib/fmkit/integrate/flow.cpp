#include "fmkit/integrate/flow.hpp"

#include <cmath>
#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/integrate/chunked.hpp"

namespace fm::integrate {

void FlowOptions::validate() const {
  FM_REQUIRE(nfe >= 1, "solver: nfe must be >= 1");
  FM_REQUIRE(method == Method::Dopri5 || nfe >= stages(method),
             "solver: nfe " + std::to_string(nfe) + " is below one " + to_string(method) + " step (" +
                 std::to_string(stages(method)) + " evaluations)");
  FM_REQUIRE(trajectories >= 0, "trajectories must be >= 0");
  FM_REQUIRE(chunk >= 1, "chunk must be >= 1");
  dopri.validate();
}

FlowResult integrate_flow(const field::VelocityField& v, const Mat& x0, double t0, double t1, const FlowOptions& opts) {
  opts.validate();
  FM_REQUIRE(x0.cols() == v.dim(), "flow: points have dimension " + std::to_string(x0.cols()) +
                                       " but the model has dimension " + std::to_string(v.dim()));
  const Index n = x0.rows();
  const long K = opts.trajectories;
  FlowResult res;
  res.x = x0;
  for (long k = 0; k <= K && K > 0; ++k) {
    res.traj_t.push_back(t0 + (t1 - t0) * static_cast<double>(k) / static_cast<double>(K));
    res.traj.push_back(k == 0 ? x0 : Mat(n, x0.cols()));
  }
  const Rhs rhs = [&v](double t, const Mat& y, Mat& dy) { dy = v.value(y, t); };
  const long steps = opts.steps();
  const ChunkStats st = for_each_chunk(n, opts.chunk, [&](Index r0, Index rows) {
    Mat y = res.x.middleRows(r0, rows);
    long used = 0;
    if (opts.method == Method::Dopri5) {
      // Segment by segment, so trajectory states sit exactly on their times.
      const long segs = K > 0 ? K : 1;
      for (long s = 0; s < segs; ++s) {
        const double a = t0 + (t1 - t0) * static_cast<double>(s) / static_cast<double>(segs);
        const double b = s + 1 == segs ? t1 : t0 + (t1 - t0) * static_cast<double>(s + 1) / static_cast<double>(segs);
        const Dopri5Result r = dopri5(rhs, y, a, b, opts.dopri);
        used += r.nfe;
        if (r.status != Status::Converged) runtime_error("flow: " + r.brief());
        if (K > 0) res.traj[static_cast<std::size_t>(s + 1)].middleRows(r0, rows) = y;
      }
    } else {
      Observer obs;
      if (K > 0) {
        // Store after the steps nearest to the K+1 evenly spaced times.
        obs = [&](long step, double, const Mat& ys) {
          for (long k = 1; k <= K; ++k)
            if (std::lround(static_cast<double>(k) * static_cast<double>(steps) / static_cast<double>(K)) == step)
              res.traj[static_cast<std::size_t>(k)].middleRows(r0, rows) = ys;
        };
      }
      used = integrate_fixed(opts.method, rhs, y, t0, t1, steps, obs);
      if (!y.allFinite()) runtime_error("flow: non-finite state after " + to_string(opts.method) + " integration");
    }
    res.x.middleRows(r0, rows) = y;
    return used;
  }, "sampling");
  res.nfe_max = st.nfe_max;
  res.nfe_mean = st.nfe_mean;
  res.status = opts.method == Method::Dopri5 ? Status::Converged : Status::Complete;
  if (K > 0 && opts.method != Method::Dopri5)
    for (long k = 1; k <= K; ++k)
      res.traj_t[static_cast<std::size_t>(k)] =
          t0 + (t1 - t0) * static_cast<double>(std::lround(static_cast<double>(k) * static_cast<double>(steps) /
                                                           static_cast<double>(K))) /
                   static_cast<double>(steps);
  return res;
}

std::string FlowResult::brief() const {
  std::ostringstream o;
  o << "flow " << to_string(status) << ": " << x.rows() << " points, " << nfe_max << " evaluations (mean " << nfe_mean
    << ")";
  return o.str();
}

void FlowResult::summarize(io::Summary& s) const {
  s.set("status", to_string(status));
  s.set("nfe", static_cast<long long>(nfe_max));
  s.set("nfe_mean", nfe_mean);
}

}  // namespace fm::integrate
