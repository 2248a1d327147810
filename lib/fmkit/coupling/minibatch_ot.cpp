#include "fmkit/coupling/minibatch_ot.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/network_simplex.hpp"
#include "fmkit/ot/sinkhorn.hpp"

namespace fm::coupling {

MinibatchOtSpec parse_minibatch_ot_spec(const cfg::json& spec, const std::string& w) {
  MinibatchOtSpec sp;
  sp.type = cfg::string(spec, "type", w);
  if (sp.type != "exact_ot" && sp.type != "sinkhorn")
    usage_error(w + ".type: expected exact_ot or sinkhorn, got '" + sp.type + "'");
  if (sp.type == "exact_ot") {
    cfg::expect_keys(spec, w, {"type", "cost", "ot_batch", "beta"});
  } else {
    cfg::expect_keys(spec, w, {"type", "cost", "eps_rel", "tol", "max_iter", "sampling", "ot_batch", "warm_start",
                               "precision", "omega", "beta"});
    sp.warm_start = cfg::boolean_or(spec, "warm_start", sp.warm_start, w);
    const std::string precision = cfg::string_or(spec, "precision", "double", w);
    if (precision != "double" && precision != "float")
      usage_error(w + ".precision: expected double or float, got '" + precision + "'");
    sp.single_precision = precision == "float";
    sp.eps_rel = cfg::number_or(spec, "eps_rel", sp.eps_rel, w);
    sp.tol = cfg::number_or(spec, "tol", sp.tol, w);
    if (spec.contains("max_iter")) sp.max_iter = cfg::count(spec, "max_iter", w, 1, cfg::kMaxSteps);
    sp.sampling = cfg::string_or(spec, "sampling", sp.sampling, w);
    if (!(sp.eps_rel > 0)) usage_error(w + ".eps_rel: Sinkhorn needs eps_rel > 0");
    if (!(sp.tol > 0)) usage_error(w + ".tol: expected a number > 0");
    if (sp.sampling != "row" && sp.sampling != "flattened")
      usage_error(w + ".sampling: expected row or flattened, got '" + sp.sampling + "'");
    if (spec.contains("omega")) {
      const cfg::json& om = spec["omega"];
      if (om.is_string()) {
        if (om.get<std::string>() != "auto")
          usage_error(w + ".omega: expected \"auto\" or an over-relaxation in [1, 2), got " + om.dump());
        sp.omega_auto = true;
      } else {
        sp.omega = cfg::number(spec, "omega", w);
        if (!(sp.omega >= 1 && sp.omega < 2))
          usage_error(w + ".omega: expected \"auto\" or an over-relaxation in [1, 2), got " + om.dump());
      }
    }
  }
  sp.cost = ot::parse_cost(cfg::string_or(spec, "cost", "dot", w), w + ".cost");
  if (spec.contains("ot_batch")) sp.ot_batch = cfg::count(spec, "ot_batch", w, 0, cfg::kMaxPoints);
  if (spec.contains("beta")) {
    sp.beta = cfg::number(spec, "beta", w);
    if (!(sp.beta > 0 && sp.beta <= 1e6)) usage_error(w + ".beta: expected a number in (0, 1e6]");
  }
  return sp;
}

Index MinibatchOtSpec::resolved_ot_batch(Index batch, const std::string& w) const {
  const Index ob = ot_batch > 0 ? ot_batch : batch;
  if (ob > batch && ob % batch != 0)
    usage_error(w + ".ot_batch: " + std::to_string(ob) + " is not a multiple of the batch of " + std::to_string(batch));
  if (ob < batch && batch % ob != 0)
    usage_error(w + ".ot_batch: " + std::to_string(ob) + " does not divide the batch of " + std::to_string(batch));
  return ob;
}

MinibatchOtCoupling::MinibatchOtCoupling(const cfg::json& spec, dist::DistributionPtr source, TargetSampler target,
                                         std::uint64_t seed)
    : source_(std::move(source)), target_(std::move(target)), seed_(seed) {
  spec_ = parse_minibatch_ot_spec(spec, "coupling");
  FM_REQUIRE(source_->dim() == target_.dim(), "coupling: source and target dimensions differ");
  const bool continuous = target_.conditional() && target_.classes() == 0;
  if (continuous && spec_.beta == 0)
    usage_error("coupling.beta: continuous conditions need the weight beta > 0 of the condition in the augmented cost");
  if (!continuous && spec_.beta > 0)
    usage_error("coupling.beta: weighs continuous conditions (class labels pair within their class)");
  if (target_.conditional() && spec_.warm_start)
    usage_error("coupling.warm_start: not available with conditions (each problem has its own points)");
}

void MinibatchOtCoupling::draw(long step, Index n, PairBatch& out) {
  resolved_batch_ = spec_.resolved_ot_batch(n, "coupling");  // checked before training by the spec's parse
  if (spec_.ot_batch > n) return draw_from_large_batch(step, n, out);
  Rng rng(seed_, "train/source", static_cast<std::uint64_t>(step));
  const Mat x0 = source_->sample(n, rng);
  dist::Conditions z;
  const Mat x1 = target_.draw(step, n, &z);
  const Index ob = resolved_batch_;
  Timer timer;
  out.x0.resize(n, x0.cols());
  out.x1.resize(n, x1.cols());
  out.z = z;  // labels stay with their rows; continuous conditions are permuted with their targets below
  for (Index r0 = 0, b = 0; r0 < n; r0 += ob, ++b) pair_any(step, b, x0, x1, z, r0, ob, out);
  seconds_ += timer.seconds();
  pairs_ += n;
}

void MinibatchOtCoupling::pair_any(long step, Index block, const Mat& x0, const Mat& x1, const dist::Conditions& z,
                                   Index r0, Index rows, PairBatch& out) {
  if (z.empty()) return pair_block(step, block, x0.middleRows(r0, rows), x1.middleRows(r0, rows), out, r0);
  if (!z.labels()) {
    // Continuous conditions: the block's source conditions are its targets' conditions, and OT runs on
    // augmented points (x, √β z), the cost c(x₀, y) + β c(z₀, z). A pair's condition is its target's.
    const Index d = x0.cols(), m = z.z.cols();
    const double sb = std::sqrt(spec_.beta);
    Mat a(rows, d + m), b(rows, d + m);
    a << x0.middleRows(r0, rows), sb * z.z.middleRows(r0, rows);
    b << x1.middleRows(r0, rows), sb * z.z.middleRows(r0, rows);
    PairBatch sub;
    sub.x0.resize(rows, d + m);
    sub.x1.resize(rows, d + m);
    std::vector<Index> partner;
    pair_block(step, block, a, b, sub, 0, &partner);
    out.x0.middleRows(r0, rows) = sub.x0.leftCols(d);
    out.x1.middleRows(r0, rows) = sub.x1.leftCols(d);
    for (Index i = 0; i < rows; ++i) out.z.z.row(r0 + i) = z.z.row(r0 + partner[static_cast<std::size_t>(i)]);
    return;
  }
  // Labelled targets: the block's source labels are its targets' labels (so the classes keep the
  // data's frequencies), and OT runs within each class, the augmented cost at β = ∞. A noise keeps
  // its row, and its partner is a target of the row's class, so the pairs' labels are z's.
  std::vector<Index> range(static_cast<std::size_t>(rows));
  for (Index i = 0; i < rows; ++i) range[static_cast<std::size_t>(i)] = r0 + i;
  const auto groups = z.gather(range).by_class();
  for (std::size_t c = 0; c < groups.size(); ++c) {
    const std::vector<Index>& g = groups[c];
    const auto m = static_cast<Index>(g.size());
    if (m == 0) continue;
    Mat a(m, x0.cols()), b(m, x1.cols());
    for (Index i = 0; i < m; ++i) {
      a.row(i) = x0.row(r0 + g[static_cast<std::size_t>(i)]);
      b.row(i) = x1.row(r0 + g[static_cast<std::size_t>(i)]);
    }
    PairBatch sub;
    sub.x0.resize(m, x0.cols());
    sub.x1.resize(m, x1.cols());
    if (m == 1) sub = PairBatch{a, b, {}};  // nothing to solve
    else pair_block(step, block * z.classes + static_cast<Index>(c), a, b, sub, 0);
    for (Index i = 0; i < m; ++i) {
      out.x0.row(r0 + g[static_cast<std::size_t>(i)]) = sub.x0.row(i);
      out.x1.row(r0 + g[static_cast<std::size_t>(i)]) = sub.x1.row(i);
    }
  }
}

void MinibatchOtCoupling::pair_block(long step, Index block, const Mat& x0, const Mat& x1, PairBatch& out, Index r0,
                                     std::vector<Index>* partner) {
  const Index n = x0.rows();
  out.x0.middleRows(r0, n) = x0;
  if (spec_.type == "exact_ot") {
    const ot::AssignmentResult r = ot::optimal_pairing(x0, x1, spec_.cost);
    if (r.status != Status::Converged) runtime_error("coupling exact_ot: the assignment solver failed at step " +
                                                     std::to_string(step));
    for (Index i = 0; i < n; ++i) out.x1.row(r0 + i) = x1.row(r.assignment[static_cast<std::size_t>(i)]);
    if (partner) partner->assign(r.assignment.begin(), r.assignment.end());
    ++solves_;
    return;
  }
  const Mat C = ot::cost_matrix(x0, x1, spec_.cost);
  const Vec a = Vec::Constant(n, 1.0 / static_cast<double>(n));
  ot::SinkhornOptions o = solve_options(C);
  if (spec_.warm_start && ref_f_.size() != n) solve_reference(n);
  if (spec_.warm_start)  // g on the new targets: the soft c-transform of the reference solution's f
    o.g0 = ot::soft_c_transform(ot::cost_matrix(x1, ref_x0_, spec_.cost), a, ref_f_, o.eps);
  const ot::SinkhornResult r = ot::sinkhorn(C, a, a, o);
  if (r.status == Status::NumericalError)
    runtime_error("coupling sinkhorn: numerical error at step " + std::to_string(step) + " (eps_rel " +
                  std::to_string(spec_.eps_rel) + "); no plan is substituted");
  ++solves_;
  unconverged_ += r.status != Status::Converged;
  iterations_ += r.iterations;
  // An over-relaxed plan has a row error too (0 otherwise); the larger of the two is its error.
  const double marginal_error = std::max(r.marginal_error, r.row_error);
  err_sum_ += marginal_error;
  err_max_ = std::max(err_max_, marginal_error);
  entropy_sum_ += r.entropy;
  Rng pick(seed_, "train/pairing", static_cast<std::uint64_t>(step) * 1024 + static_cast<std::uint64_t>(block));
  if (partner) partner->resize(static_cast<std::size_t>(n));
  if (spec_.sampling == "row") {  // j ~ P_i· / a_i by inverse CDF (rows are exact), one uniform per row
    std::vector<double> u(static_cast<std::size_t>(n));
    for (double& ui : u) ui = pick.uniform();
    const std::vector<Index> js = ot::sinkhorn_row_draws(C, a, a, r, u);
    for (Index i = 0; i < n; ++i) {
      const Index j = js[static_cast<std::size_t>(i)];
      out.x1.row(r0 + i) = x1.row(j);
      if (partner) (*partner)[static_cast<std::size_t>(i)] = j;
    }
    return;
  }
  const Mat P = ot::sinkhorn_plan(C, a, a, r);
  const CumulativeWeights cdf(P.data(), P.size());  // the plan's entries in row-major order
  for (Index q = 0; q < n; ++q) {
    const Index kk = cdf.pick(pick.uniform() * cdf.total());
    out.x0.row(r0 + q) = x0.row(kk / n);
    out.x1.row(r0 + q) = x1.row(kk % n);
    if (partner) (*partner)[static_cast<std::size_t>(q)] = kk % n;
  }
}

// The decoupled OT batch (sdfm.md §5) for n > the training batch B: one problem of n pairs per
// n/B consecutive steps, drawn from (seed, block) and solved once; each step takes its B rows of the
// solution in order (the noises are iid, so consecutive rows are a random minibatch). A resumed run
// re-solves its block, so draws stay a function of (seed, step).
void MinibatchOtCoupling::draw_from_large_batch(long step, Index n, PairBatch& out) {
  const long per_block = static_cast<long>(spec_.ot_batch / n), block = step / per_block;
  if (block != cached_block_) {
    Timer timer;
    Rng rng(seed_, "train/source-block", static_cast<std::uint64_t>(block));
    const Mat x0 = source_->sample(spec_.ot_batch, rng);
    dist::Conditions z;
    const Mat x1 = target_.draw(block, spec_.ot_batch, &z);
    cache_.x0.resize(spec_.ot_batch, x0.cols());
    cache_.x1.resize(spec_.ot_batch, x1.cols());
    cache_.z = z;
    const std::vector<double> before = counters();
    pair_any(block, 0, x0, x1, z, 0, spec_.ot_batch, cache_);
    cached_block_ = block;
    seconds_ += timer.seconds();
    // A resumed run re-solves the block it stopped in; the checkpoint already counted that solve.
    if (block == counted_block_) restore_counters(before);
    counted_block_ = -1;
  }
  const Index r0 = (step % per_block) * n;
  out.x0 = cache_.x0.middleRows(r0, n);
  out.x1 = cache_.x1.middleRows(r0, n);
  if (!cache_.z.empty()) out.z = dist::Conditions{cache_.z.z.middleRows(r0, n), cache_.z.classes};
  pairs_ += n;
}

ot::SinkhornOptions MinibatchOtCoupling::solve_options(const Mat& C) const {
  ot::SinkhornOptions o;
  o.eps = spec_.eps_rel * ot::cost_std(C);
  o.tol = spec_.tol;
  o.max_iter = spec_.max_iter;
  o.single_precision = spec_.single_precision;
  o.omega = spec_.omega;
  o.omega_auto = spec_.omega_auto;
  return o;
}

// The warm-start reference: a cold solve of a problem drawn from (seed, step 0), rebuilt identically
// by a resumed run. Any batch's solution is as good a start as the previous batch's (they are
// identically distributed), and this one keeps every draw a function of (seed, step).
void MinibatchOtCoupling::solve_reference(Index ob) {
  Rng rng(seed_, "train/sinkhorn-reference", 0);
  ref_x0_ = source_->sample(ob, rng);
  const Mat x1 = target_.draw(0, ob);
  const Mat C = ot::cost_matrix(ref_x0_, x1, spec_.cost);
  const Vec a = Vec::Constant(ob, 1.0 / static_cast<double>(ob));
  ot::SinkhornOptions o = solve_options(C);
  const ot::SinkhornResult r = ot::sinkhorn(C, a, a, o);
  if (r.status == Status::NumericalError)
    runtime_error("coupling sinkhorn: numerical error in the warm-start reference solve (eps_rel " +
                  std::to_string(spec_.eps_rel) + ")");
  ref_f_ = r.f;
}

std::vector<double> MinibatchOtCoupling::counters() const {
  std::vector<double> c = Coupling::counters();
  c.insert(c.end(), {static_cast<double>(solves_), static_cast<double>(unconverged_), static_cast<double>(iterations_),
                     err_sum_, err_max_, entropy_sum_, static_cast<double>(cached_block_)});
  return c;
}

void MinibatchOtCoupling::restore_counters(const std::vector<double>& c) {
  if (c.size() != 9) usage_error("--resume: the checkpoint's coupling counters do not match coupling '" + spec_.type + "'");
  Coupling::restore_counters({c[0], c[1]});
  solves_ = static_cast<long>(c[2]);
  unconverged_ = static_cast<long>(c[3]);
  iterations_ = static_cast<long>(c[4]);
  err_sum_ = c[5];
  err_max_ = c[6];
  entropy_sum_ = c[7];
  counted_block_ = static_cast<long>(c[8]);
}

void MinibatchOtCoupling::diagnostics(io::Summary& s) const {
  Coupling::diagnostics(s);
  s.set("ot_solves", static_cast<long long>(solves_));
  s.set("ot_batch", static_cast<long long>(resolved_batch_ > 0 ? resolved_batch_ : spec_.ot_batch));
  if (spec_.type == "sinkhorn") {
    const double k = std::max<long>(solves_, 1);
    s.set("sinkhorn_unconverged_fraction", static_cast<double>(unconverged_) / k);
    s.set("sinkhorn_mean_marginal_error", err_sum_ / k);
    s.set("sinkhorn_max_marginal_error", err_max_);
    s.set("sinkhorn_mean_iterations", static_cast<double>(iterations_) / k);
    s.set("sinkhorn_mean_entropy", entropy_sum_ / k);
    s.set("sinkhorn_eps_rel", spec_.eps_rel);
  }
}

}  // namespace fm::coupling
