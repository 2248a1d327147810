#include "fmkit/study/sdfm_oracle.hpp"

#include <algorithm>

#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/estimate.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/coupling/semidiscrete_coupling.hpp"
#include "fmkit/dist/atoms.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/discrete_oracle_field.hpp"
#include "fmkit/integrate/flow.hpp"
#include "fmkit/metrics/straightness.hpp"
#include "fmkit/metrics/wasserstein.hpp"
#include "fmkit/study/count_list.hpp"
#include "fmkit/study/name_selection.hpp"

namespace fm::study {
namespace {

using cfg::json;

struct Landing {
  double frac_near = 0, chi2 = 0, tv = 0;
};

// Where samples land: the nearest atom of each, "on an atom" within `radius`; the landing
// histogram's χ² by the unbiased collision form Σ_j c_j(c_j − 1)/(n(n − 1) b_j) − 1 (the plug-in
// Σ (ĉ_j − b_j)²/b_j is biased up by about (N − 1)/n), and its plug-in TV.
Landing landing(const Mat& x, const Mat& y, const Vec& b, double radius) {
  const Index n = x.rows(), m = y.rows();
  const Mat xy = x * y.transpose();
  const Vec yy = y.rowwise().squaredNorm();
  std::vector<double> count(static_cast<std::size_t>(m), 0.0);
  Landing l;
  for (Index i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    Index arg = 0;
    for (Index j = 0; j < m; ++j) {
      const double d = yy[j] - 2 * xy(i, j);
      if (d < best) best = d, arg = j;
    }
    count[static_cast<std::size_t>(arg)] += 1;
    l.frac_near += (x.row(i) - y.row(arg)).norm() < radius;
  }
  const double nn = static_cast<double>(n);
  l.frac_near /= nn;
  for (Index j = 0; j < m; ++j) {
    const double c = count[static_cast<std::size_t>(j)];
    if (b[j] > 0) l.chi2 += c * (c - 1) / (nn * (nn - 1) * b[j]);
    l.tv += 0.5 * std::abs(c / nn - b[j]);
  }
  l.chi2 -= 1;
  return l;
}

struct Coupled {
  std::shared_ptr<field::DiscreteOracleField> field;
  double eps_rel = 0, chi2 = 0, chi2_se = 0, fit_s = 0;
  std::string status = "exact";
};

Coupled make_coupled(const json& spec, const std::string& w, const Mat& y, const Vec& b, std::uint64_t seed) {
  const std::string type = cfg::string(spec, "type", w);
  Coupled c;
  if (type == "independent") {
    cfg::expect_keys(spec, w, {"type"});
    c.field = std::make_shared<field::DiscreteOracleField>(y, b);
    return c;  // its marginal is b exactly: χ² = 0
  }
  if (type != "semidiscrete") usage_error(w + ".type: expected 'independent' or 'semidiscrete', got '" + type + "'");
  const coupling::SemidiscreteSpec sp = coupling::parse_semidiscrete_spec(spec, w);
  // The oracle field evaluates the exact cells (or softmax weights), never a search index.
  if (spec.contains("mips")) usage_error(w + ".mips: the oracle study pairs by the exact field; leave mips out");
  const dist::Gaussian source = dist::Gaussian::standard(y.cols());
  ot::SemidiscreteOptions o = sp.opts;
  o.seed = seed;
  o.eps = sp.eps_rel * ot::reference_cost_std(source, y, b);
  const ot::SemidiscreteResult fit = ot::semidiscrete(source, y, b, o);
  if (fit.status == Status::NumericalError) runtime_error(w + ": the potential's SGD produced non-finite values");
  c.field = std::make_shared<field::DiscreteOracleField>(y, b, fit.g, o.eps);
  c.eps_rel = sp.eps_rel;
  c.chi2 = fit.chi2.value;
  c.chi2_se = fit.chi2.se;
  c.fit_s = fit.seconds;
  c.status = to_string(fit.status);
  return c;
}

// L* = E‖X1 − X0 − v_t(X_t)‖², t ~ U(0, 1), pairs from the coupling; mean and standard error.
Estimate irreducible_loss(const field::DiscreteOracleField& f, const Mat& y, Index n, std::uint64_t seed) {
  Rng rx(seed, "sdfm-oracle/loss-x0"), rj(seed, "sdfm-oracle/loss-pair"), rt(seed, "sdfm-oracle/loss-t");
  const Mat x0 = rx.normal(n, y.cols());
  const auto j = f.draw_atoms(x0, rj);
  Mat x1(n, y.cols());
  Vec t(n);
  for (Index i = 0; i < n; ++i) {
    x1.row(i) = y.row(j[static_cast<std::size_t>(i)]);
    t[i] = rt.uniform();
  }
  const Mat xt = (1.0 - t.array()).matrix().asDiagonal() * x0 + t.asDiagonal() * x1;
  Derivs out;
  f.evaluate_rows(xt, t, kValue, out);
  return mean_se((x1 - x0 - out.value).rowwise().squaredNorm());
}

}  // namespace

OracleSpec parse_sdfm_oracle(const json& o) {
  const std::string w = "config.oracle";
  cfg::expect_keys(o, w, {"n", "w2_n", "euler", "straightness_n", "fine_steps", "loss_n", "datasets", "couplings", "only"});
  OracleSpec p;
  if (!o.contains("datasets") || o["datasets"].empty()) return p;
  if (!o["datasets"].is_array()) usage_error(w + ".datasets: expected a list");
  if (!o.contains("couplings") || !o["couplings"].is_array() || o["couplings"].empty())
    usage_error(w + ".couplings: expected a non-empty list");
  p.n = cfg::count(o, "n", w, 2, cfg::kMaxPoints);
  p.w2_n = cfg::count(o, "w2_n", w, 1, p.n);
  p.straightness_n = cfg::count(o, "straightness_n", w, 1, p.n);
  p.loss_n = cfg::count(o, "loss_n", w, 2, cfg::kMaxPoints);
  p.fine_steps = static_cast<long>(cfg::count(o, "fine_steps", w, 32, cfg::kMaxGrid));
  if (p.fine_steps % 32 != 0) usage_error(w + ".fine_steps: expected a positive multiple of 32");
  const auto euler = count_list(o, "euler", w, 1, cfg::kMaxGrid, "step counts", false);
  p.euler.assign(euler.begin(), euler.end());
  for (std::size_t di = 0; di < o["datasets"].size(); ++di) {
    const std::string wd = w + ".datasets[" + std::to_string(di) + "]";
    cfg::expect_keys(o["datasets"][di], wd, {"name", "target"});
    p.names.push_back(cfg::string(o["datasets"][di], "name", wd));
    const auto dist = dist::make_distribution(cfg::at(o["datasets"][di], "target", wd), wd + ".target");
    auto atoms = std::dynamic_pointer_cast<const dist::Atoms>(dist);
    if (!atoms) usage_error(wd + ".target: the oracle study needs a discrete target ({\"type\":\"atoms\",...})");
    p.targets.push_back(std::move(atoms));
  }
  p.selected = select_by_name(o.contains("only") ? o["only"] : json(), w + ".only", p.names, w + ".datasets");
  for (std::size_t ci = 0; ci < o["couplings"].size(); ++ci) {
    const std::string wc = w + ".couplings[" + std::to_string(ci) + "]";
    cfg::expect_keys(o["couplings"][ci], wc, {"label", "spec"});
    p.labels.push_back(cfg::string(o["couplings"][ci], "label", wc));
    const json& spec = cfg::at(o["couplings"][ci], "spec", wc);
    const std::string type = cfg::string(spec, "type", wc + ".spec");
    if (type == "independent") cfg::expect_keys(spec, wc + ".spec", {"type"});
    else if (type == "semidiscrete") coupling::parse_semidiscrete_spec(spec, wc + ".spec");
    else usage_error(wc + ".spec.type: expected 'independent' or 'semidiscrete', got '" + type + "'");
    p.coupling_specs.push_back(spec);
  }
  return p;
}

io::Table run_sdfm_oracle(const OracleSpec& p, std::uint64_t seed) {
  io::Table table;
  if (p.names.empty()) return table;
  const std::string w = "config.oracle";
  const Index n = p.n, w2_n = p.w2_n, st_n = p.straightness_n, loss_n = p.loss_n;
  const long fine = p.fine_steps;
  const std::vector<long>& euler = p.euler;
  const std::vector<bool>& selected = p.selected;
  const long n_selected = static_cast<long>(std::count(selected.begin(), selected.end(), true));
  // Counted per stage (fit, straightness, loss, each Euler NFE), not per coupling: an ε > 0
  // coupling of M = 1000 atoms takes ~20 min, and a log should say where in it a run is.
  const long stages = 3 + static_cast<long>(euler.size());
  Progress bar("SD-FM oracle", n_selected * static_cast<long>(p.labels.size()) * stages);
  long done = 0;
  for (std::size_t di = 0; di < p.names.size(); ++di) {
    if (!selected[di]) continue;  // its seeds are seed + di whatever else runs
    const std::string& dname = p.names[di];
    const auto& atoms = p.targets[di];
    // Standardised like every dataset of the study: mean removed, one scalar scale.
    const Vec mean = atoms->points().colwise().mean();
    const Mat y = (atoms->points().rowwise() - mean.transpose()) / dist::scalar_scale(atoms->points());
    const Vec& b = atoms->weights();
    const dist::Atoms standardised(y, b);
    const double radius = 0.1 * standardised.min_separation();
    // W2 of w2_n exact draws from ν to ν: the multinomial floor every coupling's W2 sits on.
    Rng frng(seed + di, "sdfm-oracle/floor");
    const double w2_floor = metrics::w2_exact_weighted(standardised.sample(w2_n, frng), y, b).w2;
    Rng nrng(seed + di, "sdfm-oracle/noise");
    const Mat x0 = nrng.normal(n, y.cols());  // one noise set for every coupling (paired comparisons)
    for (std::size_t ci = 0; ci < p.labels.size(); ++ci) {
      const std::string wc = w + ".couplings[" + std::to_string(ci) + "]";
      const std::string& label = p.labels[ci];
      Timer timer;
      const auto stage_done = [&](const std::string& what) { bar.update(++done, dname + " " + label + ": " + what); };
      const Coupled c = make_coupled(p.coupling_specs[ci], wc + ".spec", y, b, seed + di);
      stage_done("potential fitted");
      const metrics::Straightness st = metrics::straightness_euler(*c.field, x0.topRows(st_n), fine);
      stage_done("straightness");
      const Estimate loss = irreducible_loss(*c.field, y, loss_n, seed + di);
      stage_done("irreducible loss");
      integrate::FlowOptions fo;
      fo.method = integrate::Method::Euler;
      for (long nfe : euler) {
        fo.nfe = nfe;
        const Mat x1 = integrate::integrate_flow(*c.field, x0, 0, 1, fo).x;
        const Landing l = landing(x1, y, b, radius);
        const metrics::W2Result w2 = metrics::w2_exact_weighted(x1.topRows(w2_n), y, b);
        table.add_row();
        table.set("dataset", dname);
        table.set("dim", static_cast<long long>(y.cols()));
        table.set("atoms", static_cast<long long>(y.rows()));
        table.set("uniform_weights", static_cast<long long>(atoms->uniform()));
        table.set("coupling", label);
        table.set("eps_rel", c.eps_rel);
        table.set("potential_chi2", c.chi2);
        table.set("potential_chi2_se", c.chi2_se);
        table.set("potential_status", c.status);
        table.set("solver", "euler");
        table.set("nfe", static_cast<long long>(nfe));
        table.set("frac_on_atom", l.frac_near);
        table.set("landing_chi2", l.chi2);
        table.set("landing_tv", l.tv);
        table.set("w2", w2.w2);
        table.set("w2sq", w2.w2sq);
        table.set("w2_floor", w2_floor);
        table.set("curv_ott", st.curv_ott);
        table.set("s_liu", st.s_liu);
        table.set("transport_cost", st.transport_cost);
        table.set("path_energy", st.path_energy);
        table.set("loss_star", loss.value);
        table.set("loss_star_se", loss.se);
        table.set("fit_s", c.fit_s);
        table.set("wall_s", timer.seconds());
        stage_done("Euler " + std::to_string(nfe));
      }
    }
  }
  bar.finish();
  return table;
}

}  // namespace fm::study
