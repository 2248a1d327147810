#include "fmkit/coupling/minibatch_ot.hpp"

#include <algorithm>

#include "fmkit/core/error.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/network_simplex.hpp"
#include "fmkit/ot/sinkhorn.hpp"

namespace fm::coupling {

MinibatchOtCoupling::MinibatchOtCoupling(const cfg::json& spec, dist::DistributionPtr source, TargetSampler target,
                                         std::uint64_t seed)
    : source_(std::move(source)), target_(std::move(target)), seed_(seed) {
  const std::string w = "coupling";
  type_ = cfg::string(spec, "type", w);
  if (type_ == "exact_ot") {
    cfg::expect_keys(spec, w, {"type", "cost", "ot_batch"});
  } else {
    cfg::expect_keys(spec, w, {"type", "cost", "eps_rel", "tol", "max_iter", "sampling", "ot_batch", "warm_start",
                               "precision"});
    warm_start_ = cfg::boolean_or(spec, "warm_start", warm_start_, w);
    const std::string precision = cfg::string_or(spec, "precision", "double", w);
    if (precision != "double" && precision != "float")
      usage_error(w + ".precision: expected double or float, got '" + precision + "'");
    single_precision_ = precision == "float";
    eps_rel_ = cfg::number_or(spec, "eps_rel", eps_rel_, w);
    tol_ = cfg::number_or(spec, "tol", tol_, w);
    max_iter_ = cfg::integer_or(spec, "max_iter", max_iter_, w);
    sampling_ = cfg::string_or(spec, "sampling", sampling_, w);
    if (!(eps_rel_ > 0)) usage_error(w + ".eps_rel: Sinkhorn needs eps_rel > 0");
    if (!(tol_ > 0) || max_iter_ < 1) usage_error(w + ": tol must be > 0 and max_iter >= 1");
    if (sampling_ != "row" && sampling_ != "flattened")
      usage_error(w + ".sampling: expected row or flattened, got '" + sampling_ + "'");
  }
  cost_ = ot::parse_cost(cfg::string_or(spec, "cost", "dot", w), w + ".cost");
  ot_batch_ = cfg::integer_or(spec, "ot_batch", 0, w);
  if (ot_batch_ < 0) usage_error(w + ".ot_batch: expected a positive integer");
  FM_REQUIRE(source_->dim() == target_.dim(), "coupling: source and target dimensions differ");
}

void MinibatchOtCoupling::draw(long step, Index n, PairBatch& out) {
  if (ot_batch_ > n) return draw_from_large_batch(step, n, out);
  Rng rng(seed_, "train/source", static_cast<std::uint64_t>(step));
  const Mat x0 = source_->sample(n, rng);
  const Mat x1 = target_.draw(step, n);
  const Index ob = ot_batch_ > 0 ? ot_batch_ : n;
  if (n % ob != 0)
    usage_error("coupling.ot_batch: " + std::to_string(ob) + " does not divide the batch of " + std::to_string(n));
  Timer timer;
  out.x0.resize(n, x0.cols());
  out.x1.resize(n, x1.cols());
  for (Index r0 = 0, b = 0; r0 < n; r0 += ob, ++b)
    pair_block(step, b, x0.middleRows(r0, ob), x1.middleRows(r0, ob), out, r0);
  seconds_ += timer.seconds();
  pairs_ += n;
}

void MinibatchOtCoupling::pair_block(long step, Index block, const Mat& x0, const Mat& x1, PairBatch& out, Index r0) {
  const Index n = x0.rows();
  out.x0.middleRows(r0, n) = x0;
  if (type_ == "exact_ot") {
    const ot::AssignmentResult r = ot::optimal_pairing(x0, x1, cost_);
    if (r.status != Status::Converged) runtime_error("coupling exact_ot: the assignment solver failed at step " +
                                                     std::to_string(step));
    for (Index i = 0; i < n; ++i) out.x1.row(r0 + i) = x1.row(r.assignment[static_cast<std::size_t>(i)]);
    ++solves_;
    return;
  }
  const Mat C = ot::cost_matrix(x0, x1, cost_);
  const Vec a = Vec::Constant(n, 1.0 / static_cast<double>(n));
  ot::SinkhornOptions o;
  o.eps = eps_rel_ * ot::cost_std(C);
  o.tol = tol_;
  o.max_iter = max_iter_;
  o.single_precision = single_precision_;
  if (warm_start_ && ref_f_.size() != n) solve_reference(n);
  if (warm_start_)  // g on the new targets: the soft c-transform of the reference solution's f
    o.g0 = ot::soft_c_transform(ot::cost_matrix(x1, ref_x0_, cost_), a, ref_f_, o.eps);
  const ot::SinkhornResult r = ot::sinkhorn(C, a, a, o);
  if (r.status == Status::NumericalError)
    runtime_error("coupling sinkhorn: numerical error at step " + std::to_string(step) + " (eps_rel " +
                  std::to_string(eps_rel_) + "); no plan is substituted");
  ++solves_;
  unconverged_ += r.status != Status::Converged;
  iterations_ += r.iterations;
  err_sum_ += r.marginal_error;
  err_max_ = std::max(err_max_, r.marginal_error);
  entropy_sum_ += r.entropy;
  const Mat P = ot::sinkhorn_plan(C, a, a, r);
  Rng pick(seed_, "train/pairing", static_cast<std::uint64_t>(step) * 1024 + static_cast<std::uint64_t>(block));
  if (sampling_ == "row") {
    for (Index i = 0; i < n; ++i) {  // j ~ P_i· / a_i by inverse CDF (rows are exact)
      const double u = pick.uniform() * P.row(i).sum();
      double acc = 0;
      Index j = 0;
      for (; j + 1 < n; ++j) {
        acc += P(i, j);
        if (u < acc) break;
      }
      out.x1.row(r0 + i) = x1.row(j);
    }
    return;
  }
  std::vector<double> cdf(static_cast<std::size_t>(n * n));
  double acc = 0;
  for (Index k = 0; k < n * n; ++k) cdf[static_cast<std::size_t>(k)] = acc += P(k / n, k % n);
  for (Index q = 0; q < n; ++q) {
    const double u = pick.uniform() * acc;
    const auto k = static_cast<Index>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    const Index kk = std::min(k, n * n - 1);
    out.x0.row(r0 + q) = x0.row(kk / n);
    out.x1.row(r0 + q) = x1.row(kk % n);
  }
}

// The decoupled OT batch (sdfm.md §5) for n > the training batch B: one problem of n pairs per
// n/B consecutive steps, drawn from (seed, block) and solved once; each step takes its B rows of the
// solution in order (the noises are iid, so consecutive rows are a random minibatch). A resumed run
// re-solves its block, so draws stay a function of (seed, step).
void MinibatchOtCoupling::draw_from_large_batch(long step, Index n, PairBatch& out) {
  if (ot_batch_ % n != 0)
    usage_error("coupling.ot_batch: " + std::to_string(ot_batch_) + " is not a multiple of the batch of " +
                std::to_string(n));
  const long per_block = static_cast<long>(ot_batch_ / n), block = step / per_block;
  if (block != cached_block_) {
    Timer timer;
    Rng rng(seed_, "train/source-block", static_cast<std::uint64_t>(block));
    const Mat x0 = source_->sample(ot_batch_, rng);
    const Mat x1 = target_.draw(block, ot_batch_);
    cache_.x0.resize(ot_batch_, x0.cols());
    cache_.x1.resize(ot_batch_, x1.cols());
    pair_block(block, 0, x0, x1, cache_, 0);
    cached_block_ = block;
    seconds_ += timer.seconds();
  }
  const Index r0 = (step % per_block) * n;
  out.x0 = cache_.x0.middleRows(r0, n);
  out.x1 = cache_.x1.middleRows(r0, n);
  pairs_ += n;
}

// The warm-start reference: a cold solve of a problem drawn from (seed, step 0), rebuilt identically
// by a resumed run. Any batch's solution is as good a start as the previous batch's (they are
// identically distributed), and this one keeps every draw a function of (seed, step).
void MinibatchOtCoupling::solve_reference(Index ob) {
  Rng rng(seed_, "train/sinkhorn-reference", 0);
  ref_x0_ = source_->sample(ob, rng);
  const Mat x1 = target_.draw(0, ob);
  const Mat C = ot::cost_matrix(ref_x0_, x1, cost_);
  const Vec a = Vec::Constant(ob, 1.0 / static_cast<double>(ob));
  ot::SinkhornOptions o;
  o.eps = eps_rel_ * ot::cost_std(C);
  o.tol = tol_;
  o.max_iter = max_iter_;
  o.single_precision = single_precision_;
  const ot::SinkhornResult r = ot::sinkhorn(C, a, a, o);
  if (r.status == Status::NumericalError)
    runtime_error("coupling sinkhorn: numerical error in the warm-start reference solve (eps_rel " +
                  std::to_string(eps_rel_) + ")");
  ref_f_ = r.f;
}

void MinibatchOtCoupling::diagnostics(io::Summary& s) const {
  Coupling::diagnostics(s);
  s.set("ot_solves", static_cast<long long>(solves_));
  if (type_ == "sinkhorn") {
    const double k = std::max<long>(solves_, 1);
    s.set("sinkhorn_unconverged_fraction", static_cast<double>(unconverged_) / k);
    s.set("sinkhorn_mean_marginal_error", err_sum_ / k);
    s.set("sinkhorn_max_marginal_error", err_max_);
    s.set("sinkhorn_mean_iterations", static_cast<double>(iterations_) / k);
    s.set("sinkhorn_mean_entropy", entropy_sum_ / k);
    s.set("sinkhorn_eps_rel", eps_rel_);
  }
}

}  // namespace fm::coupling
