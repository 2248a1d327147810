#include "fmkit/bounds/dfm_kl_path.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>

#include "fmkit/core/config.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/integrate/chunked.hpp"

namespace fm::bounds {
namespace {

// The drift gain A_t of a one-block path: b(t, x) = (m1 − m0) + A_t (x − m_t).
Square gain(const path::GaussianMixturePath& p, double t) {
  return p.snapshot(t, path::FieldKind::Drift).comps.at(0).gain;
}

double trace_product(const Square& A, const Square& S, const Square& B) { return (A * S * B.transpose()).trace(); }

}  // namespace

PathKl gaussian_kl_path(const path::GaussianMixturePath& p, const AffineError& error, const integrate::Grid& grid,
                        int simpson) {
  FM_REQUIRE(p.blocks().size() == 1, "gaussian_kl_path: needs a Gaussian path (one coupling block)");
  FM_REQUIRE(simpson >= 2 && simpson % 2 == 0, "gaussian_kl_path: simpson must be even");
  const Index d = p.dim();
  const double s2 = p.sigma2();
  double kl = 0, dh = 0;
  Square G;
  Vec q;
  for (long k = 0; k < grid.steps(); ++k) {
    const double tk = grid.t[static_cast<std::size_t>(k)], h = grid.h(k);
    // Near a sharp target the integrand varies on the time scale λ_min(Σ_t)/σ²: refine there.
    const double scale = p.block_cov(0, tk + h).selfadjointView<Eigen::Lower>().eigenvalues().minCoeff() / s2;
    int nsub = simpson;
    if (scale > 0 && h / simpson > 0.05 * scale)
      nsub = static_cast<int>(std::min(8192.0, 2 * std::ceil(h / (0.1 * scale))));
    const double ds = h / nsub;
    const Square Ak = gain(p, tk), Sk = p.block_cov(0, tk);
    error(tk, G, q);
    const Square Apk = Ak + G;
    const double own = trace_product(Ak, Sk, Ak), own_p = trace_product(Apk, Sk, Apk);
    Square Phi = Square::Identity(d, d);
    double step_kl = 0, step_dh = 0;
    for (int j = 0; j <= nsub; ++j) {
      const double s = tk + j * ds;
      if (j > 0) {  // Φ from s − ds to s: RK4 on dΦ/ds = A_s Φ, 4 sub-steps
        const int sub = 4;
        const double dd = ds / sub;
        for (int m = 0; m < sub; ++m) {
          const double u = s - ds + m * dd;
          const Square A0 = gain(p, u), Am = gain(p, u + dd / 2), A1 = gain(p, u + dd);
          const Square k1 = A0 * Phi, k2 = Am * (Phi + dd / 2 * k1), k3 = Am * (Phi + dd / 2 * k2),
                       k4 = A1 * (Phi + dd * k3);
          Phi += dd / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
      }
      const Square As = gain(p, s);
      const double ss = trace_product(As, p.block_cov(0, s), As);
      const Square cross = As * Phi * Sk;
      const double w = (j == 0 || j == nsub) ? 1.0 : (j % 2 ? 4.0 : 2.0);
      step_kl += w * (ss + own_p - 2 * (cross * Apk.transpose()).trace() + q.squaredNorm());
      step_dh += w * (ss + own - 2 * (cross * Ak.transpose()).trace());
    }
    kl += step_kl * ds / 3;
    dh += step_dh * ds / 3;
  }
  return {kl / (2 * s2), 0, dh, 0, "gaussian"};
}

void McPathOptions::validate() const {
  if (!(paths >= 2 && paths <= cfg::kMaxPoints)) usage_error("--paths: expected an integer in [2, 1e8]");
  if (!(substeps_min >= 1) || !(substep_max > 0 && substep_max <= 1))
    usage_error("kl_path: expected substeps_min >= 1 and 0 < substep_max <= 1");
}

PathKl mc_kl_path(const field::VelocityField& exact, const field::VelocityField& drift,
                  const dist::Distribution& source, double sigma2, const integrate::Grid& grid,
                  const McPathOptions& opts) {
  opts.validate();
  if (!(sigma2 > 0)) usage_error("kl_path: sigma2 must be > 0");
  const Index d = exact.dim();
  const Index chunk = 256;
  Vec gap(opts.paths), disc(opts.paths);  // per path: Σ∫‖b − s_k‖², Σ∫‖b − b_k‖²
  integrate::for_each_chunk(
      opts.paths, chunk,
      [&](Index r0, Index rows) -> long {
        Rng rng(opts.seed, "dfm/kl_path", static_cast<std::uint64_t>(r0 / chunk));
        Mat x = source.sample(rows, rng);
        Vec acc_gap = Vec::Zero(rows), acc_disc = Vec::Zero(rows);
        Derivs sk, bt;
        Mat noise(rows, d), b0;
        for (long k = 0; k < grid.steps(); ++k) {
          const double tk = grid.t[static_cast<std::size_t>(k)], h = grid.h(k);
          const long nsub = std::max(opts.substeps_min, static_cast<long>(std::ceil(h / opts.substep_max)));
          const double dt = h / static_cast<double>(nsub);
          drift.evaluate(x, tk, kValue, sk);
          // b at (t_k, X_{t_k}) was the last sub-step's evaluation of the previous step.
          if (k == 0) {
            exact.evaluate(x, tk, kValue, bt);
            b0 = bt.value;
          }
          const Mat s0 = sk.value;
          for (long j = 0; j <= nsub; ++j) {
            const double t = j == nsub ? grid.t[static_cast<std::size_t>(k + 1)] : tk + static_cast<double>(j) * dt;
            if (j > 0) exact.evaluate(x, t, kValue, bt);
            const Mat& b = j > 0 ? bt.value : b0;
            const double w = (j == 0 || j == nsub) ? 0.5 * dt : dt;
            acc_gap += w * (b - s0).rowwise().squaredNorm();
            acc_disc += w * (b - b0).rowwise().squaredNorm();
            if (j == nsub) {
              b0 = bt.value;  // the next step starts here
              break;
            }
            rng.fill_normal(noise);
            x += dt * b + std::sqrt(sigma2 * dt) * noise;  // one fine EM step of P
          }
          if (!x.allFinite()) runtime_error("kl_path: the exact SDE diverged at t = " + std::to_string(tk));
        }
        gap.segment(r0, rows) = acc_gap;
        disc.segment(r0, rows) = acc_disc;
        return 0;
      },
      "KL_path");
  auto mean_se = [](const Vec& v) {
    const double m = v.mean();
    const double var = (v.array() - m).square().sum() / static_cast<double>(v.size() - 1);
    return std::pair{m, std::sqrt(var / static_cast<double>(v.size()))};
  };
  const auto [g, gse] = mean_se(gap);
  const auto [dh, dhse] = mean_se(disc);
  return {g / (2 * sigma2), gse / (2 * sigma2), dh, dhse, "monte_carlo"};
}

}  // namespace fm::bounds
