#include "fmkit/integrate/cnf.hpp"

#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/integrate/chunked.hpp"

namespace fm::integrate {

void CnfOptions::validate() const {
  ode.validate();
  FM_REQUIRE(chunk >= 1, "cnf: chunk must be >= 1");
}

namespace {

// One chunk: state rows [z (d) | ℓ | W (d², row-major) | η (d)].
void solve_chunk(const field::VelocityField& v, const dist::Distribution& source, const Mat& x, double t,
                 const CnfOptions& opts, Vec& log_q, Mat* score, long& nfe) {
  const Index n = x.rows(), d = x.cols();
  const Index m = opts.score ? d + 1 + d * d + d : d + 1;
  Mat y = Mat::Zero(n, m);
  y.leftCols(d) = x;
  if (opts.score)
    for (Index i = 0; i < n; ++i) SquareMap(y.row(i).data() + d + 1, d, d).setIdentity();
  const unsigned want = opts.score ? kAll : (kValue | kDivergence);
  Derivs ev;
  const Rhs rhs = [&](double s, const Mat& st, Mat& dy) {
    const Mat z = st.leftCols(d);
    v.evaluate(z, s, want, ev);
    dy.resize(st.rows(), st.cols());
    dy.leftCols(d) = ev.value;
    dy.col(d) = ev.div;
    if (!opts.score) return;
    for (Index i = 0; i < st.rows(); ++i) {
      ConstSquareMap W(st.row(i).data() + d + 1, d, d);
      ConstSquareMap J(ev.jac.row(i).data(), d, d);
      SquareMap(dy.row(i).data() + d + 1, d, d).noalias() = J * W;
      dy.row(i).segment(d + 1 + d * d, d).noalias() = ev.grad_div.row(i) * W;  // (Wᵀ ∇div)ᵀ
    }
  };
  const Dopri5Result r = dopri5(rhs, y, t, 0.0, opts.ode);
  nfe = r.nfe;
  if (r.status != Status::Converged) runtime_error("cnf: " + r.brief());
  const Mat z0 = y.leftCols(d);
  log_q = source.log_density(z0) + y.col(d);
  if (opts.score) {
    const Mat s0 = source.score(z0);
    score->resize(n, d);
    for (Index i = 0; i < n; ++i) {
      ConstSquareMap W(y.row(i).data() + d + 1, d, d);
      score->row(i) = s0.row(i) * W + y.row(i).segment(d + 1 + d * d, d);
    }
  }
}

}  // namespace

CnfResult cnf_log_density(const field::VelocityField& v, const dist::Distribution& source, const Mat& x, double t,
                          const CnfOptions& opts) {
  opts.validate();
  FM_REQUIRE(x.cols() == v.dim(), "cnf: points have dimension " + std::to_string(x.cols()) +
                                      " but the model has dimension " + std::to_string(v.dim()));
  FM_REQUIRE(source.dim() == v.dim(), "cnf: source and model dimensions differ");
  FM_REQUIRE(t >= 0 && t <= 1, "cnf: t must lie in [0, 1]");
  CnfResult res;
  const Index n = x.rows();
  if (t < 1e-10) {  // q_0 = p_0: nothing to integrate
    res.log_q = source.log_density(x);
    if (opts.score) res.score = source.score(x);
    return res;
  }
  res.log_q.resize(n);
  if (opts.score) res.score.resize(n, x.cols());
  const ChunkStats st = for_each_chunk(n, opts.chunk, [&](Index r0, Index rows) {
    Vec lq;
    Mat sc;
    long nfe = 0;
    solve_chunk(v, source, x.middleRows(r0, rows), t, opts, lq, &sc, nfe);
    res.log_q.segment(r0, rows) = lq;
    if (opts.score) res.score.middleRows(r0, rows) = sc;
    return nfe;
  }, "cnf log q");
  res.nfe_max = st.nfe_max;
  res.nfe_mean = st.nfe_mean;
  return res;
}

std::string CnfResult::brief() const {
  std::ostringstream o;
  o << "cnf " << to_string(status) << ": log q at " << log_q.size() << " points, " << nfe_max << " evaluations (mean "
    << nfe_mean << ")";
  return o.str();
}

void CnfResult::summarize(io::Summary& s) const {
  s.set("logprob_status", to_string(status));
  s.set("logprob_n", static_cast<long long>(log_q.size()));
  s.set("mean_log_q", log_q.mean());
  s.set("logprob_nfe_max", static_cast<long long>(nfe_max));
  s.set("logprob_nfe_mean", nfe_mean);
}

}  // namespace fm::integrate
