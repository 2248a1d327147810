#include "fmkit/integrate/em_moments.hpp"

#include <Eigen/Cholesky>

#include "fmkit/core/error.hpp"

namespace fm::integrate {

GaussianLaw em_gaussian_law(const AffineDrift& drift, double sigma2, const GaussianLaw& start, const Grid& grid) {
  GaussianLaw law = start;
  const Index d = law.mean.size();
  Vec c, m;
  Square A;
  for (long k = 0; k < grid.steps(); ++k) {
    const double h = grid.h(k);
    drift(grid.t[static_cast<std::size_t>(k)], c, A, m);
    const Square B = Square::Identity(d, d) + h * A;
    law.mean += h * (c + A * (law.mean - m));
    law.cov = B * law.cov * B.transpose();
    law.cov.diagonal().array() += sigma2 * h;
  }
  return law;
}

double gaussian_kl(const GaussianLaw& p, const GaussianLaw& q) {
  const Index d = p.mean.size();
  Eigen::LLT<Square> lp(p.cov), lq(q.cov);
  if (lp.info() != Eigen::Success)
    usage_error("KL: the reference covariance is singular, so KL(nu*||.) is infinite (early stopping compares with "
                "p_{1-delta} instead)");
  if (lq.info() != Eigen::Success) runtime_error("KL: the EM output covariance is singular");
  const Square Lq = lq.matrixL();
  const Square Lp = lp.matrixL();
  const Vec diff = lq.matrixL().solve(q.mean - p.mean);
  const Square M = lq.matrixL().solve(Lp);  // tr(Sq⁻¹ Sp) = ‖Lq⁻¹ Lp‖_F²
  const double logdet = 2 * (Lq.diagonal().array().log().sum() - Lp.diagonal().array().log().sum());
  return 0.5 * (M.squaredNorm() + diff.squaredNorm() - static_cast<double>(d) + logdet);
}

AffineDrift exact_affine_drift(std::shared_ptr<const path::GaussianMixturePath> p) {
  FM_REQUIRE(p->blocks().size() == 1, "moment propagation needs a Gaussian path (one coupling block)");
  return [p](double t, Vec& c, Square& A, Vec& m) {
    const path::AffineMixture am = p->snapshot(t, path::FieldKind::Drift);
    c = am.comps[0].offset;
    A = am.comps[0].gain;
    m = am.comps[0].mean;
  };
}

}  // namespace fm::integrate
