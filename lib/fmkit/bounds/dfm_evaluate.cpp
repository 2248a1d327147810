#include "fmkit/bounds/dfm_evaluate.hpp"

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/integrate/em_moments.hpp"

namespace fm::bounds {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using path::GaussianMixturePath;

field::FieldPtr exact_drift(std::shared_ptr<const GaussianMixturePath> p) {
  return std::make_shared<field::MixturePathField>(std::move(p), path::FieldKind::Drift);
}

bool affine(const DfmDrift& d) { return !d.model && (!d.perturbed || d.perturbation.type != "sin_x"); }

// e(t, x) = G_t (x − m_t) + q_t for an affine perturbation (direction already unit).
AffineError affine_error(const DfmDrift& drift, const GaussianMixturePath& pth) {
  const Index d = pth.dim();
  return [&drift, &pth, d](double t, Square& G, Vec& q) {
    G = Square::Zero(d, d);
    q = Vec::Zero(d);
    if (!drift.perturbed) return;
    const field::Perturbation& p = drift.perturbation;
    const double f = p.beta * p.factor(t);
    if (p.multiplies_x()) {
      G.diagonal().setConstant(f);
      q = f * pth.mean(t);
    } else {
      q = f * p.direction;
    }
  };
}

// The drift restricted to coordinate c of a product problem.
DfmDrift coordinate_drift(const DfmDrift& drift, Index c) {
  DfmDrift one = drift;
  if (drift.perturbed && !drift.perturbation.multiplies_x()) {
    one.perturbation.direction = Vec::Ones(1);
    one.perturbation.beta = drift.perturbation.beta * drift.perturbation.direction[c];
  }
  return one;
}

field::FieldPtr sampler_drift(const DfmDrift& drift, std::shared_ptr<const GaussianMixturePath> p) {
  if (drift.model) return drift.model;
  field::FieldPtr b = exact_drift(std::move(p));
  if (!drift.perturbed) return b;
  return std::make_shared<field::PerturbedField>(b, drift.perturbation);
}

integrate::GaussianLaw reference_law(const GaussianMixturePath& p, double T) {
  if (T == 1.0) return {p.blocks()[0].m1, p.blocks()[0].S1};
  return {p.block_mean(0, T), p.block_cov(0, T)};
}

// Exact KL_marg and KL_path of a Gaussian problem with an affine drift.
struct GaussianResult {
  double kl_marg, kl_path, D_h;
};

GaussianResult gaussian_problem(const GaussianMixturePath& p, const DfmDrift& drift, const integrate::Grid& grid) {
  const AffineError err = affine_error(drift, p);
  const integrate::AffineDrift law_drift = [&](double t, Vec& c, Square& A, Vec& m) {
    const path::AffineComponent comp = p.snapshot(t, path::FieldKind::Drift).comps.at(0);
    Square G;
    Vec q;
    err(t, G, q);
    c = comp.offset + q;
    A = comp.gain + G;
    m = comp.mean;
  };
  const auto& b = p.blocks()[0];
  const integrate::GaussianLaw law = integrate::em_gaussian_law(law_drift, p.sigma2(), {b.m0, b.S0}, grid);
  const double kl = integrate::gaussian_kl(reference_law(p, grid.end()), law);
  const PathKl pk = gaussian_kl_path(p, err, grid);
  return {kl, pk.kl_path, pk.D_h};
}

// Sum over the coordinates of a diagonal Gaussian problem; identical coordinates are solved once.
GaussianResult diagonal_problem(const DfmProblem& prob, const DfmDrift& drift, const integrate::Grid& grid) {
  std::map<std::tuple<double, double, double, double, double, double>, GaussianResult> cache;
  GaussianResult sum{0, 0, 0};
  for (Index c = 0; c < prob.dim; ++c) {
    const GaussianMixturePath pc = prob.coordinate(c);
    const DfmDrift dc = coordinate_drift(drift, c);
    const auto& b = pc.blocks()[0];
    const auto key = std::tuple{b.m0[0], b.m1[0], b.S0(0, 0), b.S1(0, 0), b.C(0, 0), dc.perturbation.beta};
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, gaussian_problem(pc, dc, grid)).first;
    sum.kl_marg += it->second.kl_marg;
    sum.kl_path += it->second.kl_path;
    sum.D_h += it->second.D_h;
  }
  return sum;
}

// The box for the density grid: centred at 0, wide enough for every block's endpoints.
integrate::DensityGridOptions box_for(const GaussianMixturePath& path, const integrate::DensityGridOptions& given) {
  integrate::DensityGridOptions box = given;
  if (box.L > 0) return box;
  double L = 8;
  for (const auto& b : path.blocks()) {
    const double s0 = std::sqrt(b.S0.diagonal().maxCoeff()), s1 = std::sqrt(b.S1.diagonal().maxCoeff());
    L = std::max({L, b.m0.cwiseAbs().maxCoeff() + 8 * s0, b.m1.cwiseAbs().maxCoeff() + 8 * std::max(s1, 0.5)});
  }
  box.L = L;
  return box;
}

struct Measured {
  double kl_marg = kNaN, grid_mass = kNaN;
  std::string kl_method = "none";
  PathKl path;
};

Measured measure(const DfmProblem& prob, const DfmDrift& drift, const integrate::Grid& grid, const DfmOptions& o) {
  const bool is_affine = affine(drift);
  const bool decomposable = is_affine || (drift.perturbed && drift.perturbation.type != "sin_x");
  std::string km = o.kl_method;
  if (km == "auto") {
    if (prob.gaussian() && is_affine) km = "gaussian";
    else if (prob.separable() && !drift.model && decomposable) km = "separable";
    else if (prob.dim <= 2) km = "grid";
    else km = "none";
  }
  std::string pm = o.path_method;
  if (pm == "auto") {
    if (prob.gaussian() && is_affine) pm = "gaussian";
    else if (prob.separable() && !drift.model && decomposable) pm = "separable";
    else pm = "monte_carlo";
  }
  if (km == "gaussian" && !(prob.gaussian() && is_affine))
    usage_error("--kl-method gaussian: needs a Gaussian problem (one coupling block) and an affine drift");
  if (km == "separable" && !(prob.separable() && !drift.model && decomposable))
    usage_error("--kl-method separable: needs a separable_gmm target and a per-coordinate perturbation");
  if (km == "grid" && prob.dim > 2)
    usage_error("--kl-method grid: the density grid applies in d <= 2, not d = " + std::to_string(prob.dim));
  if (km != "gaussian" && km != "separable" && km != "grid" && km != "none")
    usage_error("--kl-method: unknown method '" + km + "' (expected auto, gaussian, separable, grid or none)");
  if (pm == "gaussian" && !(prob.gaussian() && is_affine))
    usage_error("--path-method gaussian: needs a Gaussian problem and an affine drift");
  if (pm != "gaussian" && pm != "separable" && pm != "monte_carlo" && pm != "none")
    usage_error("--path-method: unknown method '" + pm + "' (expected auto, gaussian, monte_carlo or none)");

  Measured m;
  m.kl_method = km;
  if (km == "gaussian" || pm == "gaussian") {
    const GaussianResult g = prob.diagonal ? diagonal_problem(prob, drift, grid)
                                           : gaussian_problem(*prob.path, drift, grid);
    if (km == "gaussian") m.kl_marg = g.kl_marg;
    if (pm == "gaussian") m.path = {g.kl_path, 0, g.D_h, 0, "gaussian"};
  }
  if (km == "separable" || pm == "separable") {
    // Coordinate 0: the 1-D mixture (grid, Monte-Carlo KL_path); the others are Gaussian.
    const DfmDrift d0 = coordinate_drift(drift, 0);
    const field::FieldPtr s0 = sampler_drift(d0, prob.first);
    const dist::Gaussian std1 = dist::Gaussian::standard(1);
    double kl = 0, klp = 0, dh = 0;
    std::map<double, GaussianResult> cache;
    for (Index c = 1; c < prob.dim; ++c) {
      const DfmDrift dc = coordinate_drift(drift, c);
      auto it = cache.find(dc.perturbation.beta);
      if (it == cache.end()) it = cache.emplace(dc.perturbation.beta, gaussian_problem(*prob.perp, dc, grid)).first;
      kl += it->second.kl_marg;
      klp += it->second.kl_path;
      dh += it->second.D_h;
    }
    if (km == "separable") {
      const auto g = integrate::em_density_grid(*s0, prob.sigma2, std1, grid, box_for(*prob.first, o.box));
      m.grid_mass = g.mass;
      const double T = grid.end();
      m.kl_marg = kl + integrate::grid_kl(g, [&](const Mat& x) { return prob.first->log_density(T, x); });
    }
    if (pm == "separable") {
      const PathKl p0 = mc_kl_path(*exact_drift(prob.first), *s0, std1, prob.sigma2, grid, o.mc);
      m.path = {p0.kl_path + klp, p0.kl_path_se, p0.D_h + dh, p0.D_h_se, "separable"};
    }
  }
  const field::FieldPtr s = sampler_drift(drift, prob.path);
  if (km == "grid") {
    const auto g = integrate::em_density_grid(*s, prob.sigma2, *prob.source, grid, box_for(*prob.path, o.box));
    m.grid_mass = g.mass;
    const double T = grid.end();
    m.kl_marg = integrate::grid_kl(g, [&](const Mat& x) { return prob.path->log_density(T, x); });
  }
  if (pm == "monte_carlo") m.path = mc_kl_path(*exact_drift(prob.path), *s, *prob.source, prob.sigma2, grid, o.mc);
  if (pm == "none") m.path = {kNaN, kNaN, kNaN, kNaN, "none"};
  return m;
}

// ε² of a learned drift: Σ h E_{p_{t_k}}‖s − b‖² with direct interpolant samples, and its s.e.
std::pair<double, double> model_eps2(const DfmProblem& prob, const field::VelocityField& model,
                                     const integrate::Grid& grid, long n, std::uint64_t seed) {
  const auto b = exact_drift(prob.path);
  double e2 = 0, var = 0;
  Derivs sv, bv;
  for (long k = 0; k < grid.steps(); ++k) {
    const double t = grid.t[static_cast<std::size_t>(k)], h = grid.h(k);
    Rng rng(seed, "dfm/eps2", static_cast<std::uint64_t>(k));
    const Mat x = prob.path->sample(t, n, rng);
    model.evaluate(x, t, kValue, sv);
    b->evaluate(x, t, kValue, bv);
    const Vec sq = (sv.value - bv.value).rowwise().squaredNorm();
    const double mean = sq.mean();
    e2 += h * mean;
    var += h * h * (sq.array() - mean).square().sum() / static_cast<double>(n - 1) / static_cast<double>(n);
  }
  return {e2, std::sqrt(var)};
}

}  // namespace

std::string DfmDrift::label() const {
  if (model) return "learned";
  if (perturbed) return perturbation.type;
  return "exact";
}

DfmDrift parse_dfm_perturbation(const cfg::json& spec, Index d, const std::string& where) {
  DfmDrift drift;
  drift.perturbed = true;
  drift.perturbation = field::parse_perturbation(spec, d, where);
  if (spec.contains("eps")) {
    drift.eps = cfg::number(spec, "eps", where);
    if (!(drift.eps >= 0)) usage_error(where + ".eps: expected a number >= 0");
  }
  return drift;
}

double grid_eps2(const field::Perturbation& p, const GaussianMixturePath& path, const integrate::Grid& grid) {
  double e2 = 0;
  for (long k = 0; k < grid.steps(); ++k)
    e2 += grid.h(k) * field::perturbation_mean_square(p, path, grid.t[static_cast<std::size_t>(k)]);
  return e2;
}

void DfmOptions::validate() const {
  if (grid != "G1" && grid != "G2" && grid != "G2u" && grid != "G3")
    usage_error("--grid: unknown grid '" + grid + "' (expected G1, G2, G2u or G3)");
  if (!(steps >= 1 && steps <= cfg::kMaxGrid)) usage_error("--steps: expected an integer in [1, " + std::to_string(cfg::kMaxGrid) + "]");
  if (!(delta >= 0 && delta < 0.5)) usage_error("--delta: expected 0 <= delta < 1/2");
  const std::set<std::string> kl_methods{"auto", "gaussian", "separable", "grid", "none"},
      path_methods{"auto", "gaussian", "separable", "monte_carlo", "none"};
  if (!kl_methods.count(kl_method))
    usage_error("--kl-method: unknown method '" + kl_method + "' (expected auto, gaussian, separable, grid or none)");
  if (!path_methods.count(path_method))
    usage_error("--path-method: unknown method '" + path_method +
                "' (expected auto, gaussian, separable, monte_carlo or none)");
  mc.validate();
  if (!(eps_samples >= 2 && eps_samples <= cfg::kMaxPoints)) usage_error("--eps-samples: expected an integer >= 2");
  if (!(box.L >= 0 && std::isfinite(box.L))) usage_error("--box: expected a finite number >= 0 (0: automatic)");
  box.validate();
  if (!(constant > 0 && std::isfinite(constant))) usage_error("--constant: expected a finite number > 0");
  if (!std::isnan(target_kl) && !(target_kl > 0 && std::isfinite(target_kl)))
    usage_error("--target-kl: expected a finite number > 0");
}

io::Summary evaluate_dfm(const DfmProblem& prob, const DfmDrift& given, const DfmMoments& moments,
                         const DfmOptions& o) {
  Timer timer;
  o.validate();
  const integrate::Grid grid = integrate::make_grid(o.grid, o.steps, o.delta);
  if (prob.singular_target && grid.end() == 1.0)
    usage_error("target: the covariance is singular (a point mass), so KL(nu*||.) is infinite and the drift blows "
                "up at t = 1; use early stopping (--grid G2 or G3 with --delta)");
  const double d = static_cast<double>(prob.dim);

  // The drift: calibrate a requested ε on this grid (ε² = Σ h g(t_k)) with a unit direction.
  DfmDrift drift = given;
  double eps2 = 0, eps2_se = 0;
  if (drift.perturbed) {
    drift.perturbation = field::PerturbedField(exact_drift(prob.path), drift.perturbation).perturbation();
    if (!std::isnan(drift.eps))
      field::calibrate(drift.perturbation, drift.eps,
                       [&](const field::Perturbation& p) { return grid_eps2(p, *prob.path, grid); });
    eps2 = grid_eps2(drift.perturbation, *prob.path, grid);
  } else if (drift.model) {
    if (drift.model->dim() != prob.dim)
      usage_error("--model: dimension " + std::to_string(drift.model->dim()) + ", the problem has " +
                  std::to_string(prob.dim));
    std::tie(eps2, eps2_se) = model_eps2(prob, *drift.model, grid, o.eps_samples, o.seed);
  }
  DfmOptions opts = o;
  opts.mc.seed = o.seed;
  const Measured m = measure(prob, drift, grid, opts);
  const DfmBrackets b = dfm_brackets(eps2, o.grid, o.steps, o.delta, d, moments);
  const double chain = (eps2 + m.path.D_h) / prob.sigma2;

  io::Summary s;
  s.set("dim", static_cast<long long>(prob.dim));
  s.set("sigma2", prob.sigma2);
  s.set("grid", o.grid);
  s.set("steps", static_cast<long long>(grid.steps()));
  s.set("grid_param", static_cast<long long>(o.steps));
  s.set("delta", o.grid == "G1" ? 0.0 : o.delta);
  s.set("h", b.h);
  s.set("T", grid.end());
  s.set("drift", drift.label());
  s.set("beta", drift.perturbed ? drift.perturbation.beta : 0.0);
  s.set("eps2", eps2);
  s.set("eps2_se", eps2_se);
  s.set("kl_marg", m.kl_marg);
  s.set("kl_method", m.kl_method);
  s.set("grid_mass", m.grid_mass);
  s.set("kl_path", m.path.kl_path);
  s.set("kl_path_se", m.path.kl_path_se);
  s.set("kl_path_method", m.path.method);
  s.set("D_h", m.path.D_h);
  s.set("D_h_se", m.path.D_h_se);
  s.set("chain", chain);
  // KL_marg ≤ KL_path (data processing) beyond 3 s.e. and the evaluators' accuracy.
  const double slack = 3 * m.path.kl_path_se + 1e-6 * std::abs(m.path.kl_path) + 1e-12;
  s.set("marg_exceeds_path", static_cast<long long>(m.kl_marg > m.path.kl_path + slack));
  s.set("path_exceeds_chain",
        static_cast<long long>(m.path.kl_path > chain + 3 * (m.path.kl_path_se + m.path.D_h_se / prob.sigma2 +
                                                              eps2_se / prob.sigma2) + 1e-12));
  for (auto [name, mo] : {std::pair{"M8_mu", moments.M8_mu}, {"M8_nu", moments.M8_nu}, {"S8_mu", moments.S8_mu},
                          {"S8_nu", moments.S8_nu}, {"S8_tilt", moments.S8_tilt}, {"J8", moments.J8},
                          {"K8", moments.K8}}) {
    s.set(name, mo.value);
    if (mo.kind == "monte_carlo") s.set(std::string(name) + "_se", mo.se);
  }
  s.set("F_orig", b.F_orig);
  s.set("F_fu", b.F_fu);
  s.set("bracket_orig", b.orig);
  s.set("bracket_fu", b.fu);
  s.set("bracket_fu_name", b.fu_name);
  s.set("bracket_w2", b.w2);
  s.set("bracket_status", std::string(kRecalledFlag));
  s.set("C_orig", m.kl_marg / b.orig);
  s.set("C_fu", m.kl_marg / b.fu);
  s.set("C_path_orig", m.path.kl_path / b.orig);
  s.set("C_path_fu", m.path.kl_path / b.fu);
  if (o.grid != "G1") s.set("w2_bias2_bound", early_stop_w2_bias(o.delta, prob.mean_sq_gap(), prob.sigma2, d));
  if (!std::isnan(o.target_kl)) {
    s.set("constant", o.constant);
    // The brackets hold up to an unknown universal constant; steps_needed is only as good as C.
    s.set("constant_assumed", static_cast<long long>(o.constant_assumed));
    s.set("target_kl", o.target_kl);
    s.set("steps_needed", static_cast<long long>(
                              dfm_steps_needed(false, eps2, o.grid, o.delta, d, moments, o.constant, o.target_kl)));
    if (o.grid == "G1")
      s.set("steps_needed_orig", static_cast<long long>(dfm_steps_needed(true, eps2, o.grid, o.delta, d, moments,
                                                                         o.constant, o.target_kl)));
  }
  s.set("seconds", timer.seconds());
  return s;
}

}  // namespace fm::bounds
