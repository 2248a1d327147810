#include "fmkit/coupling/semidiscrete_coupling.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/ot/semidiscrete_labels.hpp"
#include "fmkit/ot/soft_cells.hpp"

namespace fm::coupling {

SemidiscreteSpec parse_semidiscrete_spec(const cfg::json& spec, const std::string& w) {
  cfg::expect_keys(spec, w, {"type", "eps_rel", "target_chi2", "steps", "batch", "lr", "eval_every", "eval_batch", "average", "beta", "mips"});
  SemidiscreteSpec sp;
  sp.eps_rel = cfg::number_or(spec, "eps_rel", 0.0, w);
  if (!(sp.eps_rel >= 0)) usage_error(w + ".eps_rel: expected a number >= 0");
  sp.opts.target_chi2 = cfg::number_or(spec, "target_chi2", 0.05, w);
  if (!(sp.opts.target_chi2 >= 0)) usage_error(w + ".target_chi2: expected a number >= 0");
  sp.opts.steps = spec.contains("steps") ? cfg::count(spec, "steps", w, 0, cfg::kMaxSteps) : 0;
  sp.opts.batch = spec.contains("batch") ? cfg::count(spec, "batch", w, 0, cfg::kMaxPoints) : 0;
  sp.opts.lr = cfg::number_or(spec, "lr", 0.0, w);
  if (!(sp.opts.lr >= 0)) usage_error(w + ".lr: expected a number >= 0 (0: automatic)");
  // How often χ̂² is checked against target_chi2 (default steps / 20). A potential meant to stop at
  // a coarse level (claim 3's snapshots) needs fine checks: the Polyak average that starts halfway
  // took 8gaussians from χ² 0.29 to below 0.01 within one default interval.
  sp.opts.eval_every = spec.contains("eval_every") ? cfg::count(spec, "eval_every", w, 1, cfg::kMaxSteps) : 0;
  // Noises per χ̂² batch (16 batches; default max(256, 35 √N)). The estimate's standard error is
  // about √(2N) / (4 eval_batch): 0.01 at N = 16 000 by default, as large as a 0.01 target, so a
  // check there passes on noise as much as on the fit. 4× the batch is 1/4 the SE.
  sp.opts.eval_batch = spec.contains("eval_batch")
                           ? cfg::count(spec, "eval_batch", w, 1, cfg::kMaxPoints / sp.opts.eval_repeats)
                           : 0;
  if (spec.contains("average")) sp.opts.average = ot::parse_averaging(cfg::string(spec, "average", w), w + ".average");
  // β weighs the label part of the augmented cost; above 1e6 the augmented keys lose the point
  // part to rounding (the per-class problem, β = ∞, is the key left out).
  if (spec.contains("beta")) {
    sp.beta = cfg::number(spec, "beta", w);
    if (!(sp.beta > 0 && sp.beta <= 1e6))
      usage_error(w + ".beta: expected a number in (0, 1e6] (leave it out for per-class pairing, beta = infinity)");
  }
  if (spec.contains("mips")) {
    sp.mips = ot::parse_mips_spec(spec.at("mips"), w + ".mips");
    if (sp.eps_rel > 0 && sp.mips.method != "exact")
      usage_error(w + ".mips: the search index pairs at eps_rel = 0 only (eps > 0 draws from the softmax weights)");
    if (sp.beta > 0 && sp.mips.method != "exact")
      usage_error(w + ".mips: an approximate index is measured on unlabelled and per-class problems; with beta use exact");
  }
  sp.opts.validate();
  return sp;
}

SemidiscreteCoupling::SemidiscreteCoupling(const cfg::json& spec, dist::DistributionPtr source,
                                           const TargetSampler& target, std::uint64_t seed)
    : source_(std::move(source)), seed_(seed) {
  const std::string w = "coupling";
  const SemidiscreteSpec sp = parse_semidiscrete_spec(spec, w);
  if (!target.finite())
    usage_error(w + ": semidiscrete needs a finite training set (a dataset target), not a distribution");
  y_ = target.points();
  z_ = target.conditions();
  if (!z_.empty() && !z_.labels() && sp.beta == 0)
    usage_error(w + ".beta: continuous conditions need the weight beta > 0 of the condition in the augmented cost");
  if (z_.empty() && sp.beta > 0) usage_error(w + ".beta: the training set has no conditions to weigh");
  eps_rel_ = sp.eps_rel;
  beta_ = sp.beta;
  mips_ = sp.mips;
  mips_.check_atoms(y_.rows());  // the whole set before the fit; per class again when each index is built
  const Index N = y_.rows();
  const Vec b_all = Vec::Constant(N, 1.0 / static_cast<double>(N));
  // One ε for every class: the scale of the whole problem's costs.
  eps_ = eps_rel_ * ot::reference_cost_std(*source_, y_, b_all);
  ot::SemidiscreteOptions o = sp.opts;
  o.seed = seed;
  o.eps = eps_;
  std::vector<Index> all(static_cast<std::size_t>(N));
  for (Index j = 0; j < N; ++j) all[static_cast<std::size_t>(j)] = j;
  if (z_.empty()) {
    cells_.push_back(Cell{all, y_, b_all, {}, nullptr});
    fit_cell(cells_[0], *source_, o);
    fit_ = cells_[0].fit;
    if (eps_ == 0) w2sq_dual_ = ot::w2sq_dual_bound(*source_, y_, b_all, fit_.g, 65536, seed);
    measure_mips();
    return;
  }
  if (!z_.labels()) {  // continuous conditions: one augmented problem, keys (y_j, √β z_j)
    Cell cell{all, Mat(), b_all, {}, nullptr};
    cell.fit = ot::semidiscrete_conditioned(source_, y_, b_all, z_.z, beta_, o, cell.y);
    if (cell.fit.status == Status::NumericalError) runtime_error(w + ": the potential's SGD produced non-finite values");
    if (eps_ == 0) cell.mips = ot::make_mips(cell.y, cell.fit.g, cell.b, mips_);
    fit_ = cell.fit;
    cells_.push_back(std::move(cell));
    return;
  }
  std::vector<Index> labels(static_cast<std::size_t>(N));
  for (Index j = 0; j < N; ++j) labels[static_cast<std::size_t>(j)] = z_.label(j);
  ot::LabelledSemidiscrete fit = ot::semidiscrete_labelled(source_, y_, b_all, labels, z_.classes, beta_, o);
  class_freq_ = fit.class_mass;
  fit_ = fit.joint;
  if (fit_.status == Status::NumericalError) runtime_error(w + ": the potential's SGD produced non-finite values");
  for (std::size_t k = 0; k < fit.rows.size(); ++k) {
    Cell cell{fit.rows[k], std::move(fit.y[k]), std::move(fit.b[k]), std::move(fit.fits[k]), nullptr};
    if (eps_ == 0) cell.mips = ot::make_mips(cell.y, cell.fit.g, cell.b, mips_);
    cells_.push_back(std::move(cell));
  }
  if (eps_ == 0 && beta_ == 0) {  // E_c of the classes' dual bounds on W2²(μ, ν_c)
    w2sq_dual_ = {0, 0};
    for (Index c = 0; c < z_.classes; ++c) {
      const Index k = fit.cell_of_class[static_cast<std::size_t>(c)];
      if (k < 0) continue;
      const Cell& cell = cells_[static_cast<std::size_t>(k)];
      const double m = class_freq_[c];
      const Estimate e = ot::w2sq_dual_bound(*source_, cell.y, cell.b, cell.fit.g, 16384, ot::class_seed(seed, c));
      w2sq_dual_.value += m * e.value;
      w2sq_dual_.se = std::sqrt(w2sq_dual_.se * w2sq_dual_.se + m * m * e.se * e.se);
    }
  }
  measure_mips();
}

void SemidiscreteCoupling::measure_mips() {
  if (eps_ > 0 || mips_.method == "exact") return;
  // Per class (β = ∞) the draws are paired within each class's cell: the joint recall and χ² are
  // the class-mass mixtures Σ_c m_c (·)_c, as for the fit's χ².
  ot::MipsQuality total;
  total.method = mips_.method;
  double se2 = 0, se2_exact = 0;
  Rng rng(seed_, "coupling/mips-probe");
  for (const Cell& cell : cells_) {
    std::vector<Mat> batches;
    for (int r = 0; r < 4; ++r) batches.push_back(source_->sample(4096, rng));
    const auto exact = ot::make_mips(cell.y, cell.fit.g, cell.b, ot::MipsOptions{});
    const ot::MipsQuality q = ot::mips_quality(mips_.method, *cell.mips, *exact, batches, cell.b);
    const double m = cells_.size() == 1 ? 1.0 : class_freq_[z_.label(cell.rows[0])];
    total.probes += q.probes;
    total.recall += m * q.recall;
    total.chi2.value += m * q.chi2.value;
    total.chi2_exact.value += m * q.chi2_exact.value;
    se2 += m * m * q.chi2.se * q.chi2.se;
    se2_exact += m * m * q.chi2_exact.se * q.chi2_exact.se;
    total.seconds_index += q.seconds_index;
    total.seconds_exact += q.seconds_exact;
  }
  total.chi2.se = std::sqrt(se2);
  total.chi2_exact.se = std::sqrt(se2_exact);
  mips_quality_ = total;
}

void SemidiscreteCoupling::fit_cell(Cell& cell, const dist::Distribution& source, const ot::SemidiscreteOptions& o) {
  cell.fit = ot::semidiscrete(source, cell.y, cell.b, o);
  if (cell.fit.status == Status::NumericalError)
    runtime_error("coupling: the potential's SGD produced non-finite values");
  if (eps_ == 0) cell.mips = ot::make_mips(cell.y, cell.fit.g, cell.b, mips_);
}

std::vector<Index> SemidiscreteCoupling::source_classes(long step, Index n) const {
  Rng rng(seed_, "train/source-class", static_cast<std::uint64_t>(step));
  return ot::draw_classes(class_freq_, n, rng);
}

void SemidiscreteCoupling::draw(long step, Index n, PairBatch& out) {
  Rng rng(seed_, "train/source", static_cast<std::uint64_t>(step));
  out.x0 = source_->sample(n, rng);
  Timer timer;
  out.x1.resize(n, y_.cols());
  Rng pick_rng(seed_, "train/pairing", static_cast<std::uint64_t>(step));
  // The atoms (training-set rows) of queries q in cell `cell`.
  auto pair = [&](const Cell& cell, const Mat& q, std::vector<Index>& atom) {
    // The cell's atom of each query: its argmax at ε = 0; at ε > 0 drawn from its softmax cell
    // weights by inverse CDF, one uniform per query in query order.
    std::vector<Index> j;
    if (cell.mips) {
      j = cell.mips->argmax(q);
    } else {
      std::vector<double> u(static_cast<std::size_t>(q.rows()));
      for (double& v : u) v = pick_rng.uniform();
      j = ot::soft_cell_draw(q, cell.y, cell.fit.g, cell.b, eps_, u);
    }
    atom.resize(static_cast<std::size_t>(q.rows()));
    for (Index i = 0; i < q.rows(); ++i) atom[static_cast<std::size_t>(i)] = cell.rows[static_cast<std::size_t>(j[static_cast<std::size_t>(i)])];
  };
  std::vector<Index> atom;
  if (z_.empty()) {
    pair(cells_[0], out.x0, atom);
  } else if (!z_.labels()) {
    // The query's condition: that of a uniformly drawn atom (the data's condition marginal).
    Rng pick_z(seed_, "train/source-class", static_cast<std::uint64_t>(step));
    const auto N = static_cast<std::uint64_t>(y_.rows());
    Mat q(n, out.x0.cols() + z_.z.cols());
    q.leftCols(out.x0.cols()) = out.x0;
    const double sb = std::sqrt(beta_);
    for (Index i = 0; i < n; ++i) q.row(i).tail(z_.z.cols()) = sb * z_.z.row(static_cast<Index>(pick_z.below(N)));
    pair(cells_[0], q, atom);
    out.z = z_.gather(atom);  // the atom's condition: every training target is a real (point, condition) pair
  } else {
    const std::vector<Index> c0 = source_classes(step, n);
    if (beta_ > 0) {
      pair(cells_[0], ot::augment_with_labels(out.x0, c0, z_.classes, beta_), atom);
    } else {
      atom.resize(static_cast<std::size_t>(n));
      std::vector<std::vector<Index>> rows_of(static_cast<std::size_t>(z_.classes));
      for (Index i = 0; i < n; ++i) rows_of[static_cast<std::size_t>(c0[static_cast<std::size_t>(i)])].push_back(i);
      for (const Cell& cell : cells_) {
        const auto& rows = rows_of[static_cast<std::size_t>(z_.label(cell.rows[0]))];
        if (rows.empty()) continue;
        Mat q(static_cast<Index>(rows.size()), out.x0.cols());
        for (std::size_t i = 0; i < rows.size(); ++i) q.row(static_cast<Index>(i)) = out.x0.row(rows[i]);
        std::vector<Index> a;
        pair(cell, q, a);
        for (std::size_t i = 0; i < rows.size(); ++i) atom[static_cast<std::size_t>(rows[i])] = a[i];
      }
    }
    out.z = z_.gather(atom);  // the atom's class (per class: c₀ itself)
  }
  for (Index i = 0; i < n; ++i) out.x1.row(i) = y_.row(atom[static_cast<std::size_t>(i)]);
  seconds_ += timer.seconds();
  pairs_ += n;
}

void SemidiscreteCoupling::diagnostics(io::Summary& s) const {
  Coupling::diagnostics(s);
  s.set("sd_eps_rel", eps_rel_);
  s.set("sd_chi2", fit_.chi2.value);
  s.set("sd_chi2_se", fit_.chi2.se);
  s.set("sd_status", to_string(fit_.status));
  s.set("sd_iterations", static_cast<long long>(fit_.iterations));
  // The SGD's automatic batch and step size as resolved (ot::SemidiscreteOptions::resolved); each
  // class of a per-class fit resolves its own, so they are reported for one problem only.
  if (!z_.labels() && fit_.batch > 0) {
    s.set("sd_batch", static_cast<long long>(fit_.batch));
    s.set("sd_lr", fit_.lr);
  }
  s.set("sd_precompute_s", fit_.seconds);
  if (!z_.empty()) s.set("sd_beta", beta_ > 0 ? std::to_string(beta_) : std::string("inf (per class)"));
  if (mips_quality_) mips_quality_->summarize(s);
  if (eps_ == 0 && beta_ == 0) {
    s.set("sd_w2sq_dual", w2sq_dual_.value);
    s.set("sd_w2sq_dual_se", w2sq_dual_.se);
  }
}

}  // namespace fm::coupling
