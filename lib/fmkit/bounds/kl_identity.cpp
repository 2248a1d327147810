#include "fmkit/bounds/kl_identity.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/integrate/cnf.hpp"
#include "fmkit/metrics/monte_carlo.hpp"

namespace fm::bounds {

std::vector<double> cumulative_trapezoid(const std::vector<double>& t, const std::vector<double>& f) {
  std::vector<double> out(f.size(), 0.0);
  for (std::size_t k = 1; k < f.size(); ++k) out[k] = out[k - 1] + 0.5 * (t[k] - t[k - 1]) * (f[k] + f[k - 1]);
  return out;
}

QSide cnf_q_side(const field::Model& model) {
  QSide q;
  q.velocity = model.velocity;
  q.density = [model](double t, const Mat& x, Vec& log_q, Mat& score_q) {
    const auto r = integrate::cnf_log_density(*model.velocity, *model.source, x, t, {});
    log_q = r.log_q;
    score_q = r.score;
  };
  return q;
}

IdentityCurve identity_curve(const field::Model& truth, const QSide& q, int grid, Index n, std::uint64_t seed,
                             int batches) {
  FM_REQUIRE(grid >= 2 && n >= 2, "identity curve: need grid >= 2 and n >= 2");
  FM_REQUIRE(batches >= 1 && batches <= n, "identity curve: need 1 <= batches <= n");
  IdentityCurve c;
  // Per batch and time: the batch means of log p − log q and of the integrand (batch b holds draws
  // [b·m, (b + 1)·m), m = n / batches; a remainder of fewer than `batches` draws is left out).
  const Index m = n / batches;
  std::vector<std::vector<double>> kl_b(static_cast<std::size_t>(batches)), g_b(static_cast<std::size_t>(batches));
  Progress bar("identity", grid);
  for (int k = 0; k < grid; ++k) {
    const double t = static_cast<double>(k) / (grid - 1);
    Rng rng(seed, "kl/identity");  // the same draws at every t
    const Mat x = truth.sample_p(Vec::Constant(n, t), rng);
    Vec log_q;
    Mat score_q;
    q.density(t, x, log_q, score_q);
    const Vec log_p = truth.log_p(t, x);
    const auto kl = metrics::mc_kl(log_p, log_q);
    const Mat du = truth.velocity->value(x, t) - q.velocity->value(x, t);
    const Mat ds = truth.score_p(t, x) - score_q;
    c.t.push_back(t);
    c.kl.push_back(kl.value);
    c.kl_se.push_back(kl.se);
    const Vec gi = du.cwiseProduct(ds).rowwise().sum();  // the integrand at each draw
    c.g.push_back(gi.mean());
    for (int b = 0; b < batches; ++b) {
      kl_b[static_cast<std::size_t>(b)].push_back((log_p - log_q).segment(b * m, m).mean());
      g_b[static_cast<std::size_t>(b)].push_back(gi.segment(b * m, m).mean());
    }
    bar.update(k + 1);
  }
  c.identity = cumulative_trapezoid(c.t, c.g);
  for (std::size_t k = 0; k < c.t.size(); ++k) c.max_abs_error = std::max(c.max_abs_error, std::abs(c.identity[k] - c.kl[k]));
  for (int b = 0; b < batches; ++b)
    c.batch_error.push_back(cumulative_trapezoid(c.t, g_b[static_cast<std::size_t>(b)]).back() -
                            kl_b[static_cast<std::size_t>(b)].back());
  return c;
}

}  // namespace fm::bounds
