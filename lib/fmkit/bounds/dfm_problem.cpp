#include "fmkit/bounds/dfm_problem.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/dist/spec.hpp"

namespace fm::bounds {
namespace {

bool is_diagonal(const Square& s) { return (s - Square(s.diagonal().asDiagonal())).norm() == 0; }

// Broadcasts a one-entry "mean" of a gaussian/point spec to d entries.
cfg::json broadcast(cfg::json spec, Index d) {
  if (d > 1 && spec.is_object() && spec.contains("mean") && spec["mean"].is_array() && spec["mean"].size() == 1 &&
      !spec.contains("cov"))
    spec["mean"] = std::vector<double>(static_cast<std::size_t>(d), spec["mean"][0].get<double>());
  return spec;
}

struct Side {
  Vec weights;
  std::vector<Vec> means;
  std::vector<Square> covs;
};

Side side_of(const dist::GaussianMixture& m) {
  Side s{m.weights(), {}, {}};
  for (const auto& c : m.components()) {
    s.means.push_back(c.mean());
    s.covs.push_back(c.cov());
  }
  return s;
}

}  // namespace

path::GaussianMixturePath DfmProblem::coordinate(Index c) const {
  FM_REQUIRE(diagonal, "DfmProblem::coordinate: the problem is not diagonal");
  const path::CouplingBlock& b = path->blocks()[0];
  path::CouplingBlock one{1.0, b.m0.segment(c, 1), b.m1.segment(c, 1), b.S0.block(c, c, 1, 1),
                          b.S1.block(c, c, 1, 1), b.C.block(c, c, 1, 1)};
  return path::GaussianMixturePath({one}, sigma2, "coordinate", singular_target);
}

double DfmProblem::mean_sq_gap() const {
  double s = 0;
  for (const auto& b : path->blocks())
    s += b.weight * ((b.m1 - b.m0).squaredNorm() + (b.S0 + b.S1 - b.C - b.C.transpose()).trace());
  return s;
}

DfmProblem make_dfm_problem(const cfg::json& spec, double sigma2, const std::string& where) {
  if (!spec.is_object()) usage_error(where + ": expected a problem object {\"target\": .., \"source\": ..}");
  cfg::expect_keys(spec, where, {"name", "dim", "source", "target", "coupling"});
  if (!(sigma2 > 0) || !std::isfinite(sigma2))
    usage_error(where + ": sigma2 must be a positive number, got " + std::to_string(sigma2));
  DfmProblem p;
  p.sigma2 = sigma2;
  const long long dim_key = spec.contains("dim") ? cfg::count(spec, "dim", where, 1, cfg::kMaxDim) : 0;
  const cfg::json& tspec = cfg::at(spec, "target", where);
  const std::string wt = where + ".target";
  const std::string ttype = tspec.is_object() ? tspec.value("type", "") : "";

  // The target side as weights, means and covariances (a point mass has covariance 0).
  Side target;
  double s_perp = 0;
  std::shared_ptr<const dist::GaussianMixture> first_target;
  if (ttype == "point") {
    cfg::expect_keys(tspec, wt, {"type", "mean"});
    const Vec m = cfg::vector(broadcast(tspec, dim_key), "mean", wt);
    target = {Vec::Ones(1), {m}, {Square::Zero(m.size(), m.size())}};
    p.singular_target = true;
  } else if (ttype == "separable_gmm") {
    cfg::expect_keys(tspec, wt, {"type", "weights", "means", "stds", "s_perp"});
    if (dim_key < 1) usage_error(where + ".dim: a separable_gmm target needs the problem's dim");
    s_perp = cfg::number(tspec, "s_perp", wt);
    if (!(s_perp > 0)) usage_error(wt + ".s_perp: expected a positive number");
    const Vec w = cfg::vector(tspec, "weights", wt), a = cfg::vector(tspec, "means", wt),
              s = cfg::vector(tspec, "stds", wt);
    if (a.size() != w.size() || s.size() != w.size())
      usage_error(wt + ": weights, means and stds need one entry per component");
    std::vector<dist::Gaussian> comps1;
    for (Index j = 0; j < w.size(); ++j) {
      if (!(s[j] > 0)) usage_error(wt + ".stds[" + std::to_string(j) + "]: must be positive");
      comps1.push_back(dist::Gaussian::isotropic(a.segment(j, 1), s[j]));
      Vec m = Vec::Zero(dim_key);
      m[0] = a[j];
      Vec var = Vec::Constant(dim_key, s_perp * s_perp);
      var[0] = s[j] * s[j];
      target.means.push_back(m);
      target.covs.push_back(var.asDiagonal());
    }
    target.weights = w;
    first_target = std::make_shared<dist::GaussianMixture>(w, std::move(comps1), wt);
  } else {
    auto t = dist::as_mixture(dist::make_distribution(broadcast(tspec, dim_key), wt));
    if (!t) usage_error(wt + ": expected a gaussian, gmm, point or separable_gmm target");
    target = side_of(*t);
  }
  p.dim = target.means[0].size();
  if (dim_key > 0 && dim_key != p.dim)
    usage_error(where + ".dim is " + std::to_string(dim_key) + " but the target has dimension " +
                std::to_string(p.dim));

  const std::string ws = where + ".source";
  p.source = spec.contains("source")
                 ? dist::as_mixture(dist::make_distribution(broadcast(spec["source"], p.dim), ws))
                 : std::make_shared<dist::GaussianMixture>(Vec::Ones(1),
                                                           std::vector<dist::Gaussian>{dist::Gaussian::standard(p.dim)});
  if (!p.source) usage_error(ws + ": expected a gaussian or gmm source");
  if (p.source->dim() != p.dim)
    usage_error(ws + ": dimension " + std::to_string(p.source->dim()) + ", but the target has dimension " +
                std::to_string(p.dim));
  const Side source = side_of(*p.source);
  const Index ks = source.weights.size(), kt = target.weights.size(), d = p.dim;

  std::vector<path::CouplingBlock> blocks;
  const std::string wc = where + ".coupling";
  const std::string ctype = spec.contains("coupling") ? cfg::string(spec["coupling"], "type", wc) : "independent";
  if (ctype == "independent") {
    if (spec.contains("coupling")) cfg::expect_keys(spec["coupling"], wc, {"type"});
    for (Index i = 0; i < ks; ++i)
      for (Index j = 0; j < kt; ++j)
        blocks.push_back({source.weights[i] * target.weights[j], source.means[static_cast<std::size_t>(i)],
                          target.means[static_cast<std::size_t>(j)], source.covs[static_cast<std::size_t>(i)],
                          target.covs[static_cast<std::size_t>(j)], Square::Zero(d, d)});
  } else if (ctype == "gaussian") {
    cfg::expect_keys(spec["coupling"], wc, {"type", "cross_cov", "rho"});
    if (ks != 1 || kt != 1) usage_error(wc + ": a gaussian coupling needs a gaussian source and target");
    if (spec["coupling"].contains("cross_cov") == spec["coupling"].contains("rho"))
      usage_error(wc + ": give exactly one of 'cross_cov' or 'rho'");
    Square C = spec["coupling"].contains("rho") ? Square(cfg::number(spec["coupling"], "rho", wc) * Square::Identity(d, d))
                                                : cfg::matrix(spec["coupling"], "cross_cov", wc);
    if (C.rows() != d || C.cols() != d) usage_error(wc + ".cross_cov: expected a " + std::to_string(d) + "x" +
                                                     std::to_string(d) + " matrix");
    blocks.push_back({1.0, source.means[0], target.means[0], source.covs[0], target.covs[0], C});
  } else if (ctype == "blocks") {
    cfg::expect_keys(spec["coupling"], wc, {"type", "weights"});
    const Square W = cfg::matrix(spec["coupling"], "weights", wc);
    if (W.rows() != ks || W.cols() != kt)
      usage_error(wc + ".weights: expected a " + std::to_string(ks) + "x" + std::to_string(kt) +
                  " matrix (source components x target components)");
    if ((W.array() < 0).any()) usage_error(wc + ".weights: entries must be >= 0");
    if ((W.rowwise().sum() - source.weights).cwiseAbs().maxCoeff() > 1e-9 ||
        (W.colwise().sum().transpose() - target.weights).cwiseAbs().maxCoeff() > 1e-9)
      usage_error(wc + ".weights: row sums must equal the source weights and column sums the target weights");
    for (Index i = 0; i < ks; ++i)
      for (Index j = 0; j < kt; ++j)
        if (W(i, j) > 0)
          blocks.push_back({W(i, j), source.means[static_cast<std::size_t>(i)],
                            target.means[static_cast<std::size_t>(j)], source.covs[static_cast<std::size_t>(i)],
                            target.covs[static_cast<std::size_t>(j)], Square::Zero(d, d)});
  } else {
    usage_error(wc + ".type: unknown coupling '" + ctype + "' (expected independent, gaussian or blocks)");
  }
  p.path = std::make_shared<path::GaussianMixturePath>(std::move(blocks), sigma2, where, p.singular_target);
  if (p.gaussian()) {
    const auto& b = p.path->blocks()[0];
    p.diagonal = is_diagonal(b.S0) && is_diagonal(b.S1) && is_diagonal(b.C);
  }
  if (first_target) {
    const auto& c0 = source.covs[0];
    if (ks != 1 || source.means[0].norm() != 0 || (c0 - Square::Identity(d, d)).norm() != 0 || ctype != "independent")
      usage_error(ws + ": a separable_gmm target needs the source N(0, I) and the independent coupling");
    p.first = std::make_shared<path::GaussianMixturePath>(
        path::GaussianMixturePath::independent(dist::Gaussian::standard(1), *first_target, sigma2));
    p.perp = std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::independent(
        dist::Gaussian::standard(1),
        dist::GaussianMixture(Vec::Ones(1), {dist::Gaussian::isotropic(Vec::Zero(1), s_perp)}), sigma2));
  }
  return p;
}

}  // namespace fm::bounds
