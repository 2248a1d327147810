#include "fmkit/bounds/kl_estimators.hpp"

#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <tuple>

#include "fmkit/core/error.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/metrics/monte_carlo.hpp"

namespace fm::bounds {
namespace {

// Trapezoid over the equispaced nodes t_k = k·h, k < f.size().
double trapezoid(const std::vector<double>& f, double h) {
  double s = 0.5 * (f.front() + f.back());
  for (std::size_t k = 1; k + 1 < f.size(); ++k) s += f[k];
  return s * h;
}

// ‖W_L‖₂ · Π_hidden (Lip σ · ‖W_l‖₂) · Lip σ · ‖W₁ˣ‖₂ with full-SVD spectral norms (power
// iteration converges from below and would not be an upper bound).
double mlp_lipschitz_bound(const nn::Mlp& m) {
  auto norm2 = [](const Eigen::MatrixXd& w) { return Eigen::JacobiSVD<Eigen::MatrixXd>(w).singularValues()(0); };
  const double lip = nn::lipschitz(m.spec().activation);
  double b = norm2(m.weight(0).leftCols(m.dim())) * lip;
  for (Index l = 1; l + 1 < m.num_layers(); ++l) b *= lip * norm2(m.weight(l));
  return b * norm2(m.weight(m.num_layers() - 1));
}

// Source constants: ∇log p₀ = −Σ⁻¹(x − m) ~ N(0, Σ⁻¹), so I_0 = tr Σ⁻¹ and L_0 = ‖Σ⁻¹‖₂.
std::pair<Constant, Constant> source_constants(const field::Model& model) {
  auto src = std::dynamic_pointer_cast<const dist::Gaussian>(model.source);
  if (!src) usage_error("--model: the bound's I_0 and L_0 need a Gaussian source");
  const Eigen::SelfAdjointEigenSolver<Square> eig(src->cov());
  return {{eig.eigenvalues().cwiseInverse().sum(), "closed_form"}, {1.0 / eig.eigenvalues().minCoeff(), "closed_form"}};
}

// Raises L_v and M_v to the largest Jacobian operator norm and |∇div v| at the points x.
void raise_regularity(const field::Model& model, const Mat& x, double t, double& Lv, double& Mv) {
  Derivs ev;
  model.velocity->evaluate(x, t, kJacobian | kGradDiv, ev);
  Lv = std::max(Lv, spectral_norms(ev.jac, model.dim).maxCoeff());
  Mv = std::max(Mv, ev.grad_div.rowwise().norm().maxCoeff());
}

Constant rigorous_lipschitz(const field::Model& model) {
  if (auto mlp = std::dynamic_pointer_cast<const field::MlpField>(model.velocity))
    return {mlp_lipschitz_bound(mlp->mlp()), "rigorous_upper_bound"};
  return {std::numeric_limits<double>::quiet_NaN(), "unavailable"};
}

}  // namespace

void KlEstimateOptions::validate() const {
  FM_REQUIRE(grid >= 2, "grid: need at least 2 times");
  FM_REQUIRE(n_eps >= 2 && n_score >= 2 && n_kl >= 2, "sample sizes must be >= 2");
  cnf.validate();
}

std::vector<std::pair<std::string, double>> named_values(const KlEstimate& e) {
  return {{"eps", e.eps},           {"eps_per_coord", e.eps_per_coord},
          {"S", e.S},               {"kl", e.kl},
          {"kl_se", e.kl_se},       {"cs_bound", e.bound.cs_bound},
          {"A1", e.bound.A1},       {"A2", e.bound.A2},
          {"kl_bound", e.bound.kl_bound}, {"tv_bound", e.bound.tv_bound},
          {"L_v", e.L_v.value},     {"L_v_rigorous", e.L_v_rigorous.value},
          {"M_v", e.M_v.value},     {"I_p", e.I_p.value},
          {"I_0", e.I_0.value},     {"L_0", e.L_0.value},
          {"fisher_delta", e.fisher_delta}};
}

Vec spectral_norms(const Mat& jac, Index d) {
  Vec out(jac.rows());
  for (Index i = 0; i < jac.rows(); ++i) {
    ConstSquareMap J(jac.row(i).data(), d, d);
    if (d == 2) {
      // σ_max of [[a, b], [c, e]] = (√((a+e)² + (b−c)²) + √((a−e)² + (b+c)²))/2: unlike
      // √((F + √(F² − 4 det²))/2) it does not cancel for near-isotropic Jacobians.
      const double a = J(0, 0), b = J(0, 1), c = J(1, 0), e = J(1, 1);
      out[i] = 0.5 * (std::hypot(a + e, b - c) + std::hypot(a - e, b + c));
    } else {
      out[i] = Eigen::JacobiSVD<Eigen::MatrixXd>(Eigen::MatrixXd(J)).singularValues()(0);
    }
  }
  return out;
}

int min_kl_grid(const field::Model& truth) { return truth.fisher_infinite_at_1 ? 3 : 2; }

KlEstimate estimate_kl(const field::Model& model, const field::Model& truth, const KlEstimateOptions& opts) {
  opts.validate();
  if (!model.velocity) usage_error("--model: a drift model has no velocity; the KL bound is for ODE models");
  if (!truth.has_exact_path() || !truth.sample_p) usage_error("--target: needs an exact path (gaussian, gmm, schedule or holder)");
  if (model.dim != truth.dim)
    usage_error("--model has dimension " + std::to_string(model.dim) + " but --target has dimension " +
                std::to_string(truth.dim));
  if (opts.grid < min_kl_grid(truth))
    usage_error("grid: this target has I(p_1) = infinity, so S and I_p stop one step before t = 1; expected at least " +
                std::to_string(min_kl_grid(truth)) + " times, got " + std::to_string(opts.grid));
  const Index d = model.dim;
  KlEstimate e;
  std::tie(e.I_0, e.L_0) = source_constants(model);

  const int K = opts.grid;
  const double h = 1.0 / (K - 1);
  // Where I(p₁) = ∞, ∇log p_t at t = 1 is a draw from an infinite-variance law: S and I_p are not
  // evaluated there but integrated over [0, 1 − δ], δ one grid step, and labelled so (they then omit
  // the finite part over [1 − δ, 1] and are lower estimates).
  e.fisher_delta = truth.fisher_infinite_at_1 ? h : 0.0;
  const int K_score = truth.fisher_infinite_at_1 ? K - 1 : K;
  std::vector<double> eps2(K), S(K_score), Ip(K_score);
  double Lv = 0, Mv = 0;
  // Two stages, each its own bar (the CNF solves inside show within them).
  Progress bar("kl bound 1/2 (eps, S, constants)", K);
  for (int k = 0; k < K; ++k) {
    const double t = static_cast<double>(k) / (K - 1);
    Rng reps(opts.seed, "kl/eps", static_cast<std::uint64_t>(k));
    const Mat xe = truth.sample_p(Vec::Constant(opts.n_eps, t), reps);
    eps2[static_cast<std::size_t>(k)] =
        (model.velocity->value(xe, t) - truth.velocity->value(xe, t)).rowwise().squaredNorm().mean();
    // Common random numbers: the same stream at every t.
    Rng rs(opts.seed, "kl/score");
    const Mat xs = truth.sample_p(Vec::Constant(opts.n_score, t), rs);
    if (k < K_score) {
      const Mat sp = truth.score_p(t, xs);
      if (opts.cs_bound) {
        const Mat sq = integrate::cnf_log_density(*model.velocity, *model.source, xs, t, opts.cnf).score;
        S[static_cast<std::size_t>(k)] = (sp - sq).rowwise().squaredNorm().mean();
      }
      Ip[static_cast<std::size_t>(k)] = sp.rowwise().squaredNorm().mean();
    }
    raise_regularity(model, xs, t, Lv, Mv);
    bar.update(k + 1);
  }
  bar.finish();
  e.eps = std::sqrt(trapezoid(eps2, h));
  e.eps_per_coord = e.eps / std::sqrt(static_cast<double>(d));
  e.S = opts.cs_bound ? trapezoid(S, h) : std::numeric_limits<double>::quiet_NaN();
  // In closed form where the path has one (64-node quadrature of E‖∇log p_t‖², smooth in t); otherwise a
  // Monte-Carlo mean (unbiased, with noise), not "sampled", which names a lower estimate of a sup.
  e.I_p = std::isfinite(truth.fisher_path)
              ? Constant{truth.fisher_path, "closed_form"}
              : Constant{trapezoid(Ip, h), e.fisher_delta > 0 ? "monte_carlo_to_1_minus_delta" : "monte_carlo"};
  e.L_v = {Lv, "sampled"};
  e.M_v = {Mv, "sampled"};
  e.L_v_rigorous = rigorous_lipschitz(model);

  Rng rk(opts.seed, "kl/kl");
  e.x1 = truth.sample_p(Vec::Constant(opts.n_kl, 1.0), rk);
  integrate::CnfOptions co = opts.cnf;
  co.score = false;
  e.log_p1 = truth.log_p(1.0, e.x1);
  {
    Progress kl_bar("kl bound 2/2 (KL at t = 1)", 1);
    e.log_q1 = integrate::cnf_log_density(*model.velocity, *model.source, e.x1, 1.0, co).log_q;
    kl_bar.update(1);
  }
  const auto kl = metrics::mc_kl(e.log_p1, e.log_q1);
  e.kl = kl.value;
  e.kl_se = kl.se;

  KlConstants c{e.L_v.value, e.M_v.value, e.I_p.value, e.I_0.value, e.L_0.value, 1.0};
  e.bound = kl_bound(c, e.eps, opts.cs_bound ? e.S : -1);
  return e;
}

ModelConstants model_constants(const field::Model& model, const dist::Distribution& target,
                               const KlEstimateOptions& opts) {
  opts.validate();
  if (!model.velocity) usage_error("--model: a drift model has no velocity; the KL bound is for ODE models");
  if (model.dim != target.dim())
    usage_error("--model has dimension " + std::to_string(model.dim) + " but --target has dimension " +
                std::to_string(target.dim()));
  ModelConstants c;
  std::tie(c.I_0, c.L_0) = source_constants(model);
  // The same source and target draws at every t (common random numbers, as estimate_kl's S).
  Rng rs(opts.seed, "kl/score");
  const Mat x0 = model.source->sample(opts.n_score, rs), x1 = target.sample(opts.n_score, rs);
  double Lv = 0, Mv = 0;
  const int K = opts.grid;
  Progress bar("kl bound (L_v and M_v on the linear path)", K);
  for (int k = 0; k < K; ++k) {
    const double t = static_cast<double>(k) / (K - 1);
    raise_regularity(model, (1 - t) * x0 + t * x1, t, Lv, Mv);
    bar.update(k + 1);
  }
  bar.finish();
  c.L_v = {Lv, "sampled"};
  c.M_v = {Mv, "sampled"};
  c.L_v_rigorous = rigorous_lipschitz(model);
  return c;
}

std::vector<std::pair<std::string, Constant>> named_constants(const ModelConstants& c) {
  return {{"L_v", c.L_v}, {"L_v_rigorous", c.L_v_rigorous}, {"M_v", c.M_v}, {"I_0", c.I_0}, {"L_0", c.L_0}};
}

std::vector<std::pair<std::string, Constant>> named_constants(const KlEstimate& e) {
  return {{"L_v", e.L_v}, {"L_v_rigorous", e.L_v_rigorous}, {"M_v", e.M_v},
          {"I_p", e.I_p}, {"I_0", e.I_0},                   {"L_0", e.L_0}};
}

std::vector<std::pair<std::string, double>> named_values(const ModelConstants& c) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, k] : named_constants(c)) out.emplace_back(name, k.value);
  return out;
}

}  // namespace fm::bounds
