#include "fmkit/field/analytic_model.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/quadrature.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/holder_density.hpp"
#include "fmkit/dist/schedule.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/field/perturbed_field.hpp"

namespace fm::field {

bool has_exact_path(const cfg::json& target) {
  if (!target.is_object()) return false;
  const std::string type = target.value("type", "");
  if (type == "schedule" || type == "holder" || type == "gaussian" || type == "gmm") return true;
  return type == "toy2d" && dist::as_mixture(dist::make_distribution(target, "target")) != nullptr;
}

Model make_analytic_model(const cfg::json& spec, const std::string& where) {
  if (!spec.is_object()) usage_error(where + ": expected a model spec object");
  cfg::expect_keys(spec, where, {"field", "source", "target", "interpolant", "coupling", "perturbation"});
  const std::string kind = cfg::string_or(spec, "field", "exact", where);
  if (kind != "exact") usage_error(where + ".field: unknown field '" + kind + "' (expected exact)");
  const cfg::json& tspec = cfg::at(spec, "target", where);
  Model m;
  m.target = tspec;
  std::shared_ptr<path::GaussianMixturePath> mixture_path;  // for sin_x calibration

  std::string interp = "linear";
  if (spec.contains("interpolant")) {
    const std::string wi = where + ".interpolant";
    cfg::expect_keys(spec["interpolant"], wi, {"type", "sigma2"});
    interp = cfg::string(spec["interpolant"], "type", wi);
    if (interp == "bridge") {
      m.sigma2 = cfg::number_or(spec["interpolant"], "sigma2", 1.0, wi);
      if (!(m.sigma2 > 0)) usage_error(wi + ".sigma2: expected a positive number, got " + std::to_string(m.sigma2));
    } else if (interp != "linear") {
      usage_error(wi + ".type: unknown interpolant '" + interp + "' (expected linear or bridge)");
    } else if (spec["interpolant"].contains("sigma2")) {
      usage_error(wi + ".sigma2: only a bridge interpolant has a noise level");
    }
  }

  if (tspec.is_object() && tspec.value("type", "") == "schedule") {
    auto target = dist::make_distribution(tspec, where + ".target");
    const auto& sm = static_cast<const dist::ScheduleMarginal&>(*target);
    m.dim = sm.dim();
    if (interp != "linear") usage_error(where + ".interpolant: a schedule target defines its own velocity");
    if (spec.contains("coupling")) usage_error(where + ".coupling: a schedule target defines its own path");
    if (spec.contains("source")) {
      auto src = dist::as_mixture(dist::make_distribution(spec["source"], where + ".source"));
      const bool standard = src && src->components().size() == 1 && src->dim() == m.dim &&
                            src->components()[0].mean().norm() == 0 &&
                            (src->components()[0].cov() - Square::Identity(m.dim, m.dim)).norm() == 0;
      if (!standard) usage_error(where + ".source: a schedule target requires the source N(0, I) of its dimension");
    }
    const dist::Schedule s = sm.schedule();
    const Index d = m.dim;
    m.source = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(d));
    m.velocity = std::make_shared<ScheduleField>(s, d);
    m.log_p = [s, d](double t, const Mat& x) { return dist::ScheduleMarginal(s, d, t).log_density(x); };
    m.score_p = [s, d](double t, const Mat& x) { return dist::ScheduleMarginal(s, d, t).score(x); };
    m.second_moment = [s, d](double t) { return static_cast<double>(d) * std::exp(2 * s.A(t)); };
    // p_t = N(0, e^{2A(t)} I): E‖∇log p_t‖² = d e^{−2A(t)} (theory/kl_bound.md §4 (a)).
    m.fisher_path = quadrature([&](double t) { return static_cast<double>(d) * std::exp(-2 * s.A(t)); }, 0.0, 1.0);
    m.sample_p = [s, d](const Vec& t, Rng& rng) {
      Mat x = rng.normal(t.size(), d);
      for (Index i = 0; i < t.size(); ++i) x.row(i) *= s.sigma(t[i]);
      return x;
    };
  } else if (tspec.is_object() && tspec.value("type", "") == "holder") {
    // No closed form: the path by 1-D adaptive quadrature (linear interpolant, N(0, 1) source,
    // independent coupling — the only path it is derived for).
    if (interp != "linear") usage_error(where + ".interpolant: a holder target supports the linear interpolant only");
    if (spec.contains("coupling")) usage_error(where + ".coupling: a holder target supports the independent coupling only");
    if (spec.contains("source")) usage_error(where + ".source: a holder target fixes the source N(0, 1)");
    auto target = dist::make_distribution(tspec, where + ".target");
    const auto& h = static_cast<const dist::HolderDensity&>(*target);
    auto p = std::make_shared<path::DensityPath1d>(path::DensityPath1d::of(target));
    m.dim = 1;
    m.source = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(1));
    m.velocity = std::make_shared<DensityPathField>(p);
    m.log_p = [p](double t, const Mat& x) { return p->log_density(t, x); };
    m.score_p = [p](double t, const Mat& x) { return p->score(t, x); };
    // E X1² = 1 + a (m_{β+2} − m_β), with m_γ = 2^{γ/2} Γ((γ+1)/2)/√π.
    const double m2 = 1 + h.a() * (std::pow(2.0, h.beta() / 2 + 1) * std::tgamma((h.beta() + 3) / 2) / std::sqrt(M_PI) -
                                   h.m_beta());
    m.second_moment = [m2](double t) { return (1 - t) * (1 - t) + t * t * m2; };
    m.sample_p = [p](const Vec& t, Rng& rng) { return p->sample_rows(t, rng); };
    // The score near the kink is ~ aβ|x|^{β−1}, square-integrable only for β > 1/2.
    m.fisher_infinite_at_1 = h.a() > 0 && h.beta() <= 0.5;
  } else {
    auto target = dist::as_mixture(dist::make_distribution(tspec, where + ".target"));
    if (!target)
      usage_error(where + ".target: an exact field needs a gaussian, gmm, 8gaussians, schedule or holder target");
    m.dim = target->dim();
    dist::DistributionPtr src_d =
        spec.contains("source") ? dist::make_distribution(spec["source"], where + ".source")
                                : std::make_shared<dist::Gaussian>(dist::Gaussian::standard(m.dim));
    auto src = std::dynamic_pointer_cast<const dist::Gaussian>(src_d);
    if (!src) usage_error(where + ".source: an exact field needs a gaussian source");
    if (src->dim() != m.dim)
      usage_error(where + ": source has dimension " + std::to_string(src->dim()) + " but target has dimension " +
                  std::to_string(m.dim));
    m.source = src;
    std::shared_ptr<path::GaussianMixturePath> p;
    std::string coupling = "independent";
    if (spec.contains("coupling")) {
      const std::string wc = where + ".coupling";
      cfg::expect_keys(spec["coupling"], wc, {"type", "cross_cov"});
      coupling = cfg::string(spec["coupling"], "type", wc);
      if (coupling == "gaussian") {
        if (target->components().size() != 1) usage_error(wc + ": a gaussian coupling needs a gaussian target");
        p = std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::gaussian_coupling(
            *src, target->components()[0], cfg::matrix(spec["coupling"], "cross_cov", wc), m.sigma2));
      } else if (coupling != "independent") {
        usage_error(wc + ".type: unknown coupling '" + coupling + "' (expected independent or gaussian)");
      }
    }
    if (!p) {
      p = std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::independent(*src, *target, m.sigma2));
      if (target->components().size() == 1) {
        // A Gaussian target, independent coupling: p_t = N(·, Σ_t) with Σ_t = (1−t)²Σ₀ + t²Σ₁ + σ²t(1−t)I,
        // so E‖∇log p_t‖² = tr Σ_t⁻¹ (theory/kl_bound.md §4 (b) for Σ₀ = I, Σ₁ = σ²I).
        const Square S0 = src->cov(), S1 = target->components()[0].cov();
        const double s2 = m.sigma2;
        m.fisher_path = quadrature([&](double t) {
          const Square I = Square::Identity(S0.rows(), S0.cols());
          const Square St = (1 - t) * (1 - t) * S0 + t * t * S1 + s2 * t * (1 - t) * I;
          return St.llt().solve(I).trace();
        }, 0.0, 1.0);
      }
    }
    m.velocity = std::make_shared<MixturePathField>(p, path::FieldKind::Velocity);
    if (m.sigma2 > 0) m.drift = std::make_shared<MixturePathField>(p, path::FieldKind::Drift);
    m.log_p = [p](double t, const Mat& x) { return p->log_density(t, x); };
    m.score_p = [p](double t, const Mat& x) { return p->score(t, x); };
    m.second_moment = [p](double t) { return p->second_moment(t); };
    m.sample_p = [p](const Vec& t, Rng& rng) { return p->sample_rows(t, rng); };
    mixture_path = p;
  }

  if (spec.contains("perturbation")) {
    const std::string wp = where + ".perturbation";
    if (!spec["perturbation"].contains("eps") && !spec["perturbation"].contains("scale"))
      usage_error(wp + ": give exactly one of 'eps' or 'scale'");
    Perturbation pert = parse_perturbation(spec["perturbation"], m.dim, wp);
    if (pert.type == "sin_x" && !mixture_path) usage_error(wp + ": sin_x needs a gaussian or gmm target");
    if (pert.type == "sin_x" && pert.omega.size() == 0) pert.omega = Vec::Ones(m.dim);
    // ε²(β) = β² ε²(1) for every family.
    auto eps2_of = [&](const Perturbation& q) {
      if (q.type != "sin_x") return perturbation_eps2(q, m.second_moment);
      return quadrature([&](double t) { return perturbation_mean_square(q, *mixture_path, t); }, 0.0, 1.0, 64);
    };
    if (spec["perturbation"].contains("eps")) {
      const double eps = cfg::number(spec["perturbation"], "eps", wp);
      if (eps < 0) usage_error(wp + ".eps: expected a number >= 0, got " + std::to_string(eps));
      calibrate(pert, eps, eps2_of);
    }
    m.perturbation = pert.type;
    m.beta = pert.beta;
    m.eps = std::sqrt(eps2_of(pert));
    FieldPtr& target_field = m.drift ? m.drift : m.velocity;
    target_field = std::make_shared<PerturbedField>(target_field, pert);
  }
  return m;
}

}  // namespace fm::field
