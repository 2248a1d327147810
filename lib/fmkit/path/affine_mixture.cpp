#include "fmkit/path/affine_mixture.hpp"

#include "fmkit/core/error.hpp"

namespace fm::path {

// Internally column-major: every operation below runs down a column of n points, which Eigen
// vectorises; the public batch type is row-major.
using ColMat = Eigen::MatrixXd;

void evaluate(const AffineMixture& am, const Mat& xin, unsigned want, Derivs& out, Vec* log_density) {
  const Index n = xin.rows(), d = am.d, K = static_cast<Index>(am.comps.size());
  FM_REQUIRE(xin.cols() == d, "field: points have dimension " + std::to_string(xin.cols()) + ", expected " +
                                  std::to_string(d));
  const bool need_f = want & (kValue | kJacobian | kDivergence | kGradDiv);
  const bool need_h = want & (kDivergence | kGradDiv);
  const ColMat x = xin;

  std::vector<ColMat> G(static_cast<std::size_t>(K)), F(static_cast<std::size_t>(K));
  ColMat logp(n, K);
  for (Index j = 0; j < K; ++j) {
    const AffineComponent& c = am.comps[static_cast<std::size_t>(j)];
    const ColMat y = x.rowwise() - c.mean.transpose();
    ColMat& g = G[static_cast<std::size_t>(j)];
    g.noalias() = -(y * c.prec);  // component score −P(x − m); P symmetric
    logp.col(j) = (c.log_weight + c.log_norm + 0.5 * (y.cwiseProduct(g)).rowwise().sum().array()).matrix();
    if (need_f) {
      ColMat& f = F[static_cast<std::size_t>(j)];
      f.noalias() = y * c.gain.transpose();
      f.rowwise() += c.offset.transpose();
    }
  }
  // Responsibilities by log-sum-exp (raw densities underflow far from the modes).
  const Vec mx = logp.rowwise().maxCoeff();
  ColMat r = (logp.colwise() - mx).array().exp();
  const Vec rs = r.rowwise().sum();
  r.array().colwise() /= rs.array();
  if (log_density) *log_density = mx.array() + rs.array().log();
  if (!need_f) return;

  ColMat gbar = ColMat::Zero(n, d), v = ColMat::Zero(n, d);
  for (Index j = 0; j < K; ++j) {
    gbar += (G[static_cast<std::size_t>(j)].array().colwise() * r.col(j).array()).matrix();
    v += (F[static_cast<std::size_t>(j)].array().colwise() * r.col(j).array()).matrix();
  }
  if (want & kValue) out.value = v;

  // D_j = g_j − ḡ is ∇ log r_j; h_j = tr M_j + f_j·D_j is the divergence of r_j f_j over r_j.
  std::vector<ColMat> D(static_cast<std::size_t>(K));
  ColMat h(n, K);
  if (want & (kJacobian | kDivergence | kGradDiv)) {
    for (Index j = 0; j < K; ++j) {
      D[static_cast<std::size_t>(j)] = G[static_cast<std::size_t>(j)] - gbar;
      if (need_h)
        h.col(j) = (am.comps[static_cast<std::size_t>(j)].gain.trace() +
                    F[static_cast<std::size_t>(j)].cwiseProduct(D[static_cast<std::size_t>(j)]).rowwise().sum().array())
                       .matrix();
    }
  }
  if (want & kDivergence) out.div = r.cwiseProduct(h).rowwise().sum();

  if (want & kJacobian) {
    // ∇F = Σ_j r_j M_j + Σ_j r_j f_j D_jᵀ, stored row-major per point.
    ColMat J = ColMat::Zero(n, d * d);
    for (Index j = 0; j < K; ++j) {
      const AffineComponent& c = am.comps[static_cast<std::size_t>(j)];
      const ColMat rf = F[static_cast<std::size_t>(j)].array().colwise() * r.col(j).array();
      const ColMat& Dj = D[static_cast<std::size_t>(j)];
      for (Index a = 0; a < d; ++a)
        for (Index b = 0; b < d; ++b)
          J.col(a * d + b) += (rf.col(a).cwiseProduct(Dj.col(b)) + c.gain(a, b) * r.col(j)).eval();
    }
    out.jac = J;
  }

  if (want & kGradDiv) {
    // ∇div = Σ_j r_j [h_j D_j + M_jᵀ D_j − P_j f_j] − H F, with H = ∇ḡ the Hessian of log p:
    // H F = −Σ_k r_k P_k F + Σ_k r_k g_k (g_k·F) − ḡ(ḡ·F). Using H F (not H f_j per j) keeps the
    // cost at K d² per point instead of K² d².
    ColMat gd = ColMat::Zero(n, d);
    const Vec gbar_v = gbar.cwiseProduct(v).rowwise().sum();
    for (Index j = 0; j < K; ++j) {
      const AffineComponent& c = am.comps[static_cast<std::size_t>(j)];
      const ColMat& Dj = D[static_cast<std::size_t>(j)];
      const ColMat& Gj = G[static_cast<std::size_t>(j)];
      ColMat term = (Dj.array().colwise() * h.col(j).array()).matrix();
      term.noalias() += Dj * c.gain;
      term.noalias() -= F[static_cast<std::size_t>(j)] * c.prec;
      term.noalias() += v * c.prec;
      const Vec gv = Gj.cwiseProduct(v).rowwise().sum();
      term -= (Gj.array().colwise() * gv.array()).matrix();
      gd += (term.array().colwise() * r.col(j).array()).matrix();
    }
    gd += (gbar.array().colwise() * gbar_v.array()).matrix();
    out.grad_div = gd;
  }
}

}  // namespace fm::path
