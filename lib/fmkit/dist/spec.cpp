#include "fmkit/dist/spec.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/dist/atoms.hpp"
#include "fmkit/dist/brenier_map.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/holder_density.hpp"
#include "fmkit/dist/schedule.hpp"
#include "fmkit/dist/toy2d.hpp"
#include "fmkit/io/points.hpp"

namespace fm::dist {
namespace {

Gaussian gaussian_from(const cfg::json& s, const std::string& where) {
  cfg::expect_keys(s, where, {"type", "mean", "std", "cov"});
  const Vec mean = cfg::vector(s, "mean", where);
  if (s.contains("cov") && s.contains("std")) usage_error(where + ": give either 'std' or 'cov', not both");
  if (s.contains("cov")) return Gaussian(mean, cfg::matrix(s, "cov", where), cfg::join_path(where, "cov"));
  const double std = cfg::number_or(s, "std", 1.0, where);
  if (!(std > 0)) usage_error(where + ".std: expected a positive number, got " + std::to_string(std));
  return Gaussian::isotropic(mean, std);
}

GaussianMixture gmm_from(const cfg::json& s, const std::string& where) {
  cfg::expect_keys(s, where, {"type", "weights", "means", "stds", "covs"});
  const Vec w = cfg::vector(s, "weights", where);
  const cfg::json& means = cfg::at(s, "means", where);
  if (!means.is_array() || means.size() != static_cast<std::size_t>(w.size()))
    usage_error(where + ".means: expected " + std::to_string(w.size()) + " mean vectors (one per weight)");
  if (s.contains("stds") == s.contains("covs")) usage_error(where + ": give exactly one of 'stds' or 'covs'");
  std::vector<Gaussian> comps;
  for (std::size_t k = 0; k < means.size(); ++k) {
    const std::string wk = where + ".means[" + std::to_string(k) + "]";
    const Vec mu = cfg::as_vector(means[k], wk);
    if (s.contains("stds")) {
      const Vec stds = cfg::vector(s, "stds", where);
      if (stds.size() != w.size()) usage_error(where + ".stds: expected one std per component");
      if (!(stds[static_cast<Index>(k)] > 0)) usage_error(where + ".stds[" + std::to_string(k) + "]: must be positive");
      comps.push_back(Gaussian::isotropic(mu, stds[static_cast<Index>(k)]));
    } else {
      const cfg::json& covs = s.at("covs");
      if (!covs.is_array() || covs.size() != means.size())
        usage_error(where + ".covs: expected one covariance per component");
      const std::string wc = where + ".covs[" + std::to_string(k) + "]";
      comps.emplace_back(mu, cfg::as_matrix(covs[k], wc), wc);
    }
    if (comps.back().dim() != comps.front().dim())
      usage_error(wk + ": dimension " + std::to_string(comps.back().dim()) + ", expected " +
                  std::to_string(comps.front().dim()));
  }
  return GaussianMixture(w, std::move(comps), where);
}

}  // namespace

DistributionPtr make_distribution(const cfg::json& spec, const std::string& where) {
  if (!spec.is_object()) usage_error(where + ": expected a distribution spec object with a 'type'");
  const std::string type = cfg::string(spec, "type", where);
  if (type == "gaussian") return std::make_shared<Gaussian>(gaussian_from(spec, where));
  if (type == "gmm") return std::make_shared<GaussianMixture>(gmm_from(spec, where));
  if (type == "toy2d") {
    cfg::expect_keys(spec, where, {"type", "name", "scale", "noise", "shift", "jitter", "radius"});
    Toy2dParams p = toy2d_defaults(cfg::string(spec, "name", where), where);
    p.scale = cfg::number_or(spec, "scale", p.scale, where);
    p.noise = cfg::number_or(spec, "noise", p.noise, where);
    p.shift = cfg::number_or(spec, "shift", p.shift, where);
    p.jitter = cfg::number_or(spec, "jitter", p.jitter, where);
    p.radius = cfg::number_or(spec, "radius", p.radius, where);
    if (p.noise < 0 || p.jitter < 0) usage_error(where + ": noise and jitter must be non-negative");
    return std::make_shared<Toy2d>(p);
  }
  if (type == "dataset") {
    cfg::expect_keys(spec, where, {"type", "path", "standardize", "columns", "labels"});
    const std::string path = cfg::string(spec, "path", where);
    Mat points = io::read_points(path);
    // "labels": the column holding each point's class (the digits' column 64), read before
    // "columns" picks the coordinates.
    std::vector<Index> labels;
    Index col = -1;
    if (spec.contains("labels")) {
      col = cfg::count(spec, "labels", where, 0, points.cols() - 1);
      labels.resize(static_cast<std::size_t>(points.rows()));
      for (Index i = 0; i < points.rows(); ++i) {
        const double v = points(i, col);
        if (!(v >= 0 && v < 1e6 && v == std::floor(v)))
          usage_error(where + ".labels: column " + std::to_string(col) + " row " + std::to_string(i) +
                      " holds " + std::to_string(v) + ", not a class label (an integer in [0, 1e6))");
        labels[static_cast<std::size_t>(i)] = static_cast<Index>(v);
      }
    }
    if (spec.contains("columns")) {  // [first, last): e.g. drop a trailing label column
      const cfg::json& c = spec["columns"];
      if (!c.is_array() || c.size() != 2 || !c[0].is_number_integer() || !c[1].is_number_integer() ||
          c[0].get<long long>() < 0 || c[1].get<long long>() <= c[0].get<long long>() ||
          c[1].get<long long>() > points.cols())
        usage_error(where + ".columns: expected [first, last) with 0 <= first < last <= " + std::to_string(points.cols()));
      if (col >= c[0].get<Index>() && col < c[1].get<Index>())
        usage_error(where + ".columns: includes the labels column " + std::to_string(col));
      points = points.middleCols(c[0].get<Index>(), c[1].get<Index>() - c[0].get<Index>()).eval();
    } else if (col >= 0) {  // every column but the labels
      if (points.cols() == 1) usage_error(where + ".labels: the file has no column besides the labels");
      Mat rest(points.rows(), points.cols() - 1);
      rest.leftCols(col) = points.leftCols(col);
      rest.rightCols(points.cols() - col - 1) = points.rightCols(points.cols() - col - 1);
      points = std::move(rest);
    }
    const bool standardize = cfg::boolean_or(spec, "standardize", false, where);
    if (!labels.empty()) return std::make_shared<Dataset>(std::move(points), std::move(labels), standardize, path);
    return std::make_shared<Dataset>(std::move(points), standardize, path);
  }
  if (type == "schedule") {
    cfg::expect_keys(spec, where, {"type", "name", "dim"});
    const long long d = spec.contains("dim") ? cfg::count(spec, "dim", where, 1, cfg::kMaxDim) : 2;
    return std::make_shared<ScheduleMarginal>(Schedule(cfg::string(spec, "name", where), where), d);
  }
  if (type == "holder") {
    cfg::expect_keys(spec, where, {"type", "beta", "a"});
    return std::make_shared<HolderDensity>(cfg::number(spec, "beta", where), cfg::number_or(spec, "a", 0.4, where), where);
  }
  if (type == "atoms") {
    cfg::expect_keys(spec, where, {"type", "m", "dim", "weights", "seed"});
    return std::make_shared<Atoms>(random_atoms(cfg::count(spec, "m", where, 1, cfg::kMaxPoints),
                                                spec.contains("dim") ? cfg::count(spec, "dim", where, 1, cfg::kMaxDim) : 2,
                                                cfg::string_or(spec, "weights", "uniform", where),
                                                static_cast<std::uint64_t>(cfg::integer_or(spec, "seed", 0, where)), where));
  }
  if (type == "sphere_gmm") {  // sdfm.md §8 family G: equal weights, means radius·u_k, u_k uniform on the sphere
    cfg::expect_keys(spec, where, {"type", "components", "dim", "radius", "std", "seed"});
    const long long k = spec.contains("components") ? cfg::count(spec, "components", where, 1, 1'000'000) : 16;
    const long long d = cfg::count(spec, "dim", where, 1, cfg::kMaxDim);
    const double radius = cfg::number_or(spec, "radius", 4.0, where), sd = cfg::number_or(spec, "std", 0.4, where);
    if (k < 1 || d < 1 || !(radius >= 0) || !(sd > 0))
      usage_error(where + ": expected components >= 1, dim >= 1, radius >= 0 and std > 0");
    Rng rng(static_cast<std::uint64_t>(cfg::integer_or(spec, "seed", 0, where)), "sphere_gmm/means");
    std::vector<Gaussian> comps;
    for (long long c = 0; c < k; ++c) {
      Vec u(d);
      for (long long i = 0; i < d; ++i) u[i] = rng.normal();
      comps.push_back(Gaussian::isotropic(radius * u / u.norm(), sd));
    }
    return std::make_shared<GaussianMixture>(Vec::Constant(k, 1.0 / static_cast<double>(k)), std::move(comps));
  }
  if (type == "brenier") {
    cfg::expect_keys(spec, where, {"type", "dim", "seed"});
    const long long d = cfg::count(spec, "dim", where, 1, cfg::kMaxDim);
    return std::make_shared<BrenierMap>(d, static_cast<std::uint64_t>(cfg::integer_or(spec, "seed", 0, where)));
  }
  usage_error(where + ".type: unknown distribution type '" + type +
              "' (expected gaussian, gmm, sphere_gmm, toy2d, dataset, schedule, holder, atoms or brenier)");
}

std::shared_ptr<const GaussianMixture> as_mixture(const DistributionPtr& d) {
  if (auto m = std::dynamic_pointer_cast<const GaussianMixture>(d)) return m;
  if (auto g = std::dynamic_pointer_cast<const Gaussian>(d))
    return std::make_shared<GaussianMixture>(Vec::Ones(1), std::vector<Gaussian>{*g});
  if (auto t = std::dynamic_pointer_cast<const Toy2d>(d)) return t->as_mixture();
  return nullptr;
}

}  // namespace fm::dist
