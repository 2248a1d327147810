// GCC 12 reports Eigen's AVX-512 exp (pexp_double, via _mm512_undefined_pd) as "used
// uninitialized" once inlined here: a false positive of the header's deliberate self-initialised
// placeholder (GCC bug 105593), silenced for this file only and only on GCC 12 and older.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "fmkit/ot/sinkhorn.hpp"

#include <algorithm>
#include <cmath>
#include <vector>
#include <limits>
#include <optional>
#include <sstream>
#include <type_traits>

#include "fmkit/core/config.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/exp_fast.hpp"
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/ot/cost.hpp"

namespace fm::ot {
namespace {

using ArrD = Eigen::ArrayXd;

// One log-domain half-iteration: out_i = −ε LSE_j(h_j − M_ij/ε), h_j = pot_j/ε + log w_j.
// The row's previous value is a near-exact stabiliser (−out_i/ε ≈ the LSE), so one pass
// Σ exp(h_j − M_ij/ε + out_i/ε) usually suffices; when the sum leaves [1e-20, 1e20] (first
// iteration, large potential moves) the row is redone with its exact maximum. Plain loops under
// `omp simd` so the reductions vectorise.
template <class T>
void half_step(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& M, const Vec& pot,
               const Vec& logw, double eps, Vec& out, int threads = 0) {
  const Index n = M.rows(), m = M.cols();
  std::vector<T> h(static_cast<std::size_t>(m));
  for (Index j = 0; j < m; ++j) h[static_cast<std::size_t>(j)] = static_cast<T>(pot[j] / eps + logw[j]);
  const T inv = static_cast<T>(1 / eps);
  if (out.size() != n) out = Vec::Zero(n);
  const T* hp = h.data();
  // Rows in 8 chunks per thread, handed out dynamically: on a shared machine a thread whose core
  // is busy takes fewer rows instead of a fixed half (static halves made 2 threads 3× slower than
  // one under a competing process). Chunks of 16 k entries cost 6–8 % of a training run's pairing
  // at n = 4096 against static halves; 8 per thread cost nothing measurable. The barrier's wait for
  // a descheduled thread remains; ThreadChooser below handles that. Each row is computed by one
  // thread alone, so results depend neither on the schedule nor on `threads` (0: the configured count).
  const int team = threads > 0 ? threads : fm::threads();
  const int chunk = static_cast<int>(std::max<Index>(1, n / (8 * static_cast<Index>(team))));
#pragma omp parallel for schedule(dynamic, chunk) num_threads(team)
  for (Index i = 0; i < n; ++i) {
    const T* row = M.data() + i * m;
    T shift = static_cast<T>(-out[i] / eps);
    T s = 0;
#pragma omp simd reduction(+ : s)
    for (Index j = 0; j < m; ++j) s += exp_fast(hp[j] - inv * row[j] - shift);
    if (!(s >= T(1e-20) && s <= T(1e20))) {
      shift = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : shift)
      for (Index j = 0; j < m; ++j) shift = std::max(shift, hp[j] - inv * row[j]);
      s = 0;
#pragma omp simd reduction(+ : s)
      for (Index j = 0; j < m; ++j) s += exp_fast(hp[j] - inv * row[j] - shift);
    }
    out[i] = -eps * (static_cast<double>(shift) + std::log(static_cast<double>(s)));
  }
}

// cᵀ in precision T, by 32×32 tiles: Eigen's plain transposed copy reads one operand with a
// stride of a whole row and took 13 % of a training run with n = 4096 Sinkhorn batches. Within a
// tile the writes run along cᵀ's rows: with the reads along c's rows instead, the 32 rows of cᵀ
// being written lie a power-of-two stride apart at n = 4096, compete for one L1 set, and the copy
// took 90 of a pairing's 1000 ms (now about 30; 4.5× less at n = 1024).
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> transposed(const Mat& c) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> t(c.cols(), c.rows());
  constexpr Index tile = 32;
#pragma omp parallel for schedule(static) if (fm::worth_threads(static_cast<double>(c.size())))
  for (Index j0 = 0; j0 < c.cols(); j0 += tile)
    for (Index i0 = 0; i0 < c.rows(); i0 += tile)
      for (Index j = j0; j < std::min(j0 + tile, c.cols()); ++j)
        for (Index i = i0; i < std::min(i0 + tile, c.rows()); ++i) t(j, i) = static_cast<T>(c(i, j));
  return t;
}

// Whether every entry is finite, in one vectorised pass: x·0 is ±0 for finite x and NaN otherwise.
// Eigen's allFinite() tests entry by entry with an early exit and does not vectorise (8 % of the
// same run).
constexpr double kCoarseTol = 10;

bool all_finite(const Mat& c) { return std::isfinite((c.array() * 0.0).sum()); }

// The thread count of the half-steps, chosen by timing. Dynamic chunks were not enough on a
// shared machine: with a competing process on one of two cores, every half-step's barrier still
// waits for whichever thread the scheduler has put aside, and 2 threads took 17.6 s where 1 took
// 10.2 s (n = 1000, 7915 iterations). Iteration times on all threads are then heavy-tailed (most
// windows 1.2 ms, some 14 ms), so one short window decides nothing: each setting keeps a running
// mean per iteration over windows of kWindow iterations (weight 1/4 per window on the setting
// that runs, 1/2 per probe of the other), the faster runs, and the other is probed for one window
// after kStart iterations and every kEvery after that. Small problems and short solves never probe
// (their cost is mostly the fork/join, and a probe on an idle machine costs its window at half
// speed). Rows are computed independently, so the choice never changes a result.
class ThreadChooser {
 public:
  explicit ThreadChooser(Index entries) : all_(fm::threads()), active_(all_ > 1 && entries >= kMinEntries) {}
  int threads() const { return probing_ ? other(current_) : current_; }
  void record(long it, double seconds) {  // the iteration `it` (1-based) took `seconds`
    if (!active_) return;
    window_ += seconds;
    if (it % kWindow != 0) return;
    const double mean = window_ / kWindow;
    window_ = 0;
    double& e = estimate(threads());
    const double weight = probing_ ? 0.5 : 0.25;
    e = e == 0 ? mean : weight * mean + (1 - weight) * e;
    probing_ = false;
    if (one_ > 0 && many_ > 0) current_ = one_ < many_ ? 1 : all_;
    if (it + kWindow >= kStart && (it + kWindow - kStart) % kEvery == 0) probing_ = true;  // the next window
  }

 private:
  int other(int t) const { return t == 1 ? all_ : 1; }
  double& estimate(int t) { return t == 1 ? one_ : many_; }
  static constexpr long kWindow = 8, kStart = 32, kEvery = 256;
  static constexpr Index kMinEntries = Index(1) << 18;
  int all_, current_ = all_;
  bool active_, probing_ = false;
  double window_ = 0, one_ = 0, many_ = 0;  // running mean seconds per iteration on 1 and on all threads
};

// The four marginal errors of a plan (f, g): columns and rows, L1 and L2.
struct Errors {
  double l1 = 0, l2 = 0, row_l1 = 0, row_l2 = 0;
};

// ω for each iteration. Fixed: 1 on the first iteration (from cold potentials a relaxed step
// overshoots by far), then ω. Automatic: plain iterations until the contraction rate of the error
// has settled (two consecutive windows of kWindow iterations agree to 10 % of 1 − rate), then
// ω* = 2/(1 + √(1 − θ)) for plain Sinkhorn's rate θ, capped at 1.95. The estimate is renewed each
// settled window, θ recovered from the relaxed rate by the SOR relation, and ω only grows: the
// rate measured early (the transient) is faster than the asymptotic one, so the first ω* is low.
// Should the error grow tenfold past the last choice, the relaxation is dropped for the rest of
// the stage: plain Sinkhorn always converges.
class Relaxation {
 public:
  Relaxation(double omega, bool automatic) : fixed_(omega), auto_(automatic) {}
  void new_stage() {  // a new ε (ε-scaling): its own rate, so its own estimate
    errors_.clear();
    dropped_ = false;
    if (auto_) omega_ = 1;
  }
  double next() const { return iterations_ == 0 ? 1.0 : (auto_ ? omega_ : fixed_); }
  void observe(double err) {
    ++iterations_;
    if (!auto_) return;
    if (dropped_) return;
    if (omega_ != 1 && !(err <= 10 * err_at_choice_)) {  // diverging (or an overflowing error): plain from here
      omega_ = 1;
      dropped_ = true;
      return;
    }
    errors_.push_back(err);
    const std::size_t k = errors_.size();
    if (k < 2 * kWindow + 1 || (k - 1) % kWindow != 0) return;
    // The rate λ of the current iteration, and θ, plain Sinkhorn's rate: for ω ≤ ω* the
    // relaxed rate solves (λ + ω − 1)² = λ ω² θ (the SOR relation), which is λ = θ at ω = 1.
    const double lambda = std::pow(errors_[k - 1] / errors_[k - 1 - kWindow], 1.0 / kWindow);
    const double before = std::pow(errors_[k - 1 - kWindow] / errors_[k - 1 - 2 * kWindow], 1.0 / kWindow);
    if (!(lambda > 0 && lambda < 1) || std::abs(lambda - before) > 0.1 * (1 - lambda)) return;
    const double theta = (lambda + omega_ - 1) * (lambda + omega_ - 1) / (lambda * omega_ * omega_);
    if (!(theta > 0 && theta < 1)) return;
    const double w = std::min(2 / (1 + std::sqrt(1 - theta)), kMaxOmega);
    if (w <= omega_) return;  // only upwards: as the iterate nears the solution the rate slows
    omega_ = w;
    err_at_choice_ = err;
    if (chosen_at_ == 0) chosen_at_ = iterations_;
    errors_.clear();
  }
  double omega() const { return auto_ ? omega_ : fixed_; }
  long chosen_at() const { return chosen_at_; }

 private:
  static constexpr std::size_t kWindow = 10;
  static constexpr double kMaxOmega = 1.95;
  double fixed_, omega_ = 1, err_at_choice_ = 0;
  bool auto_, dropped_ = false;
  long iterations_ = 0, chosen_at_ = 0;
  std::vector<double> errors_;
};

template <class T>
struct LogSolver {
  using RM = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RM own, Ct;
  const RM* C;  // the caller's matrix in double precision (no copy), else `own`
  explicit LogSolver(const Mat& c) : Ct(transposed<T>(c)) {
    if constexpr (std::is_same_v<T, double>) {
      C = &c;
    } else {
      own = c.cast<T>();
      C = &own;
    }
  }

  // Iterates at one ε from (f, g); returns iterations used, with the errors of the plan (f, g).
  // `fh` keeps T(g), the f half-step's stabiliser; unrelaxed, f is T(g) itself, and the operations
  // are those of plain Sinkhorn in the same order (bit for bit what it computed before ω existed).
  long run(const Vec& a, const Vec& loga, const Vec& logb, const Vec& b, double eps, MarginalNorm norm, double tol,
           long max_iter, Relaxation& rx, Vec& f, Vec& g, Errors& e, bool& finite) {
    Vec g_new, fh = f;
    ThreadChooser team(C->size());
    for (long it = 1; it <= max_iter; ++it) {
      const double w = rx.next();
      Timer iteration;
      const int nt = team.threads();
      half_step<T>(*C, g, logb, eps, fh, nt);
      e.row_l1 = e.row_l2 = 0;
      if (w == 1) {
        f = fh;
      } else {
        f = (1 - w) * f + w * fh;
        // Row sums of (f, g): a_i exp((f_i − T(g)_i)/ε).
        const Eigen::ArrayXd dr = a.array() * (((f - fh).array() / eps).exp() - 1.0);
        e.row_l1 = dr.abs().sum();
        e.row_l2 = std::sqrt(dr.square().sum());
      }
      half_step<T>(Ct, f, loga, eps, g_new, nt);
      team.record(it, iteration.seconds());
      // Column sums of the plan (f, g): b_j exp((g_j − g_new_j)/ε).
      const Eigen::ArrayXd dc = b.array() * (((g - g_new).array() / eps).exp() - 1.0);
      e.l1 = dc.abs().sum();
      e.l2 = std::sqrt(dc.square().sum());
      // Only the potentials must be finite: a relaxed iterate far from the solution can overflow
      // the error's exp, which then reads as "not converged" (and drops an automatic ω).
      finite = f.allFinite() && g_new.allFinite();
      if (!finite) return it;
      const double err = norm == MarginalNorm::L1 ? std::max(e.l1, e.row_l1) : std::max(e.l2, e.row_l2);
      rx.observe(err);
      if (err < tol || it == max_iter) return it;  // keep g: the errors are those of (f, g)
      if (w != 1) g_new = (1 - w) * g + w * g_new;
      g.swap(g_new);  // g_new keeps the previous g: the next g half-step's stabiliser
    }
    return max_iter;
  }
};

Vec safe_log(const Vec& w) {
  return w.array().max(std::numeric_limits<double>::min()).log().matrix();
}

// Kernel-mode ablation (u, v scalings). Refused where exp(−C/ε) underflows.
SinkhornResult kernel_sinkhorn(const Mat& C, const Vec& a, const Vec& b, const SinkhornOptions& o) {
  SinkhornResult r;
  r.eps = o.eps;
  const double range = (C.maxCoeff() - C.minCoeff()) / o.eps;
  if (range > (o.single_precision ? 87.0 : 708.0)) {
    r.status = Status::NumericalError;  // never a plan from an underflowed kernel
    return r;
  }
  const Mat K = (-(C.array() - C.minCoeff()) / o.eps).exp().matrix();
  Vec u = Vec::Ones(C.rows()), v = Vec::Ones(C.cols());
  for (r.iterations = 1; r.iterations <= o.max_iter; ++r.iterations) {
    u = a.array() / (K * v).array();
    const Vec col = v.array() * (K.transpose() * u).array();
    r.marginal_error = (col - b).cwiseAbs().sum();
    r.marginal_error_l2 = (col - b).norm();
    if (!u.allFinite() || !col.allFinite() || (u.array() == 0).any()) {
      r.status = Status::NumericalError;
      return r;
    }
    if ((o.norm == MarginalNorm::L1 ? r.marginal_error : r.marginal_error_l2) < o.tol) break;
    v = b.array() / (K.transpose() * u).array();
  }
  if (r.iterations > o.max_iter) {
    r.iterations = o.max_iter;
    r.status = Status::MaxIterations;
  }
  // P = diag(u) K diag(v) = a_i b_j exp((f_i + g_j − C_ij)/ε), K shifted by min C.
  r.f = o.eps * (u.array() / a.array()).log().matrix();
  r.g = o.eps * (v.array() / b.array()).log().matrix();
  r.f.array() += C.minCoeff();
  return r;
}

}  // namespace

void check_weights(const Vec& w, Index n, const std::string& where) {
  if (w.size() != n)
    usage_error(where + ": expected " + std::to_string(n) + " weights, got " + std::to_string(w.size()));
  if (!w.allFinite() || (w.array() < 0).any()) usage_error(where + ": weights must be finite and non-negative");
  if (std::abs(w.sum() - 1) > 1e-9) usage_error(where + ": weights sum to " + std::to_string(w.sum()) + ", expected 1");
}

void SinkhornOptions::validate() const {
  if (!(eps > 0) || !std::isfinite(eps)) usage_error("sinkhorn: eps must be a positive number");
  if (!(tol > 0) || !std::isfinite(tol)) usage_error("sinkhorn: tol must be > 0");
  if (max_iter < 1 || max_iter > cfg::kMaxSteps)
    usage_error("sinkhorn: max_iter must be in [1, " + std::to_string(cfg::kMaxSteps) + "]");
  if (!(omega >= 1 && omega < 2)) usage_error("sinkhorn: omega must be in [1, 2) (1: no over-relaxation)");
  if (kernel_mode && (omega != 1 || omega_auto))
    usage_error("sinkhorn: over-relaxation runs in the log domain only, not with kernel_mode");
}

std::string to_string(MarginalNorm n) { return n == MarginalNorm::L1 ? "l1" : "l2"; }

std::string SinkhornResult::brief() const {
  std::ostringstream o;
  o << "sinkhorn " << to_string(status) << " after " << iterations << " iterations: cost " << cost
    << ", marginal error L1 " << marginal_error << " / L2 " << marginal_error_l2;
  if (row_error > 0) o << " (rows L1 " << row_error << ")";
  if (omega != 1) o << ", omega " << omega;
  o << ", eps " << eps << " in " << seconds << " s";
  return o.str();
}

void SinkhornResult::summarize(io::Summary& s, Index n, Index m) const {
  s.set("status", to_string(status));
  s.set("cost", cost);
  s.set("marginal_error", marginal_error);
  s.set("marginal_error_l2", marginal_error_l2);
  s.set("row_error", row_error);
  s.set("stop_norm", to_string(norm));
  s.set("omega", omega);
  s.set("omega_iteration", static_cast<long long>(omega_iteration));
  s.set("iterations", static_cast<long long>(iterations));
  s.set("eps", eps);
  s.set("entropy", entropy);
  s.set("solve_time_s", seconds);
  s.set("ns_per_entry_iteration", iterations ? 1e9 * seconds / (static_cast<double>(n) * static_cast<double>(m) *
                                                                 static_cast<double>(iterations))
                                             : std::numeric_limits<double>::quiet_NaN());
}

SinkhornResult sinkhorn(const Mat& C, const Vec& a, const Vec& b, const SinkhornOptions& o) {
  o.validate();
  if (C.rows() < 1 || C.cols() < 1 || !all_finite(C))
    usage_error("sinkhorn: the cost matrix must be finite and non-empty");
  check_weights(a, C.rows(), "sinkhorn: source weights");
  check_weights(b, C.cols(), "sinkhorn: target weights");
  Timer timer;
  SinkhornResult r;
  if (o.kernel_mode) {
    r = kernel_sinkhorn(C, a, b, o);
    r.norm = o.norm;
  } else {
    r.norm = o.norm;
    r.eps = o.eps;
    Vec f = o.f0.size() == C.rows() ? o.f0 : Vec::Zero(C.rows());
    Vec g = o.g0.size() == C.cols() ? o.g0 : Vec::Zero(C.cols());
    const Vec loga = safe_log(a), logb = safe_log(b);
    // ε-scaling: halve from about std(C) down to ε, each stage warm-starting the next.
    std::vector<double> stages{o.eps};
    if (o.eps_scaling)
      for (double e = 2 * o.eps; e < cost_std(C); e *= 2) stages.insert(stages.begin(), e);
    bool finite = true;
    long left = o.max_iter;
    std::optional<LogSolver<float>> sf;
    std::optional<LogSolver<double>> sd;
    if (o.single_precision) sf.emplace(C);
    else sd.emplace(C);
    Relaxation rx(o.omega, o.omega_auto);
    Errors e;
    for (std::size_t k = 0; k < stages.size(); ++k) {
      const double eps = stages[k];
      // A coarse stage only places the next one, but placing it well pays: at n = 1000, ε =
      // 0.01 std(C) and L2 tol 1e-6, coarse stages stopped at 10, 100 and 1000 × tol took 1866,
      // 2815 and 4798 iterations in all (plain Sinkhorn 7915), and at tol itself 3076.
      const double tol = k + 1 < stages.size() ? kCoarseTol * o.tol : o.tol;
      // The returned plan's ε: a solve that runs out of iterations in a coarse stage returns that
      // stage's plan, and its cost, entropy and errors must be evaluated at that ε (at the target
      // ε those potentials gave a cost of 15 645 for a problem whose cost is 26.17).
      r.eps = eps;
      rx.new_stage();
      const long used = sf ? sf->run(a, loga, logb, b, eps, o.norm, tol, left, rx, f, g, e, finite)
                           : sd->run(a, loga, logb, b, eps, o.norm, tol, left, rx, f, g, e, finite);
      r.iterations += used;
      left -= used;
      if (!finite || left <= 0) break;
    }
    r.f = f;
    r.g = g;
    r.marginal_error = e.l1;
    r.marginal_error_l2 = e.l2;
    r.row_error = e.row_l1;
    r.omega = rx.omega();
    r.omega_iteration = rx.chosen_at();
    const double err = o.norm == MarginalNorm::L1 ? std::max(e.l1, e.row_l1) : std::max(e.l2, e.row_l2);
    if (!finite) r.status = Status::NumericalError;
    else if (!(err < o.tol)) r.status = Status::MaxIterations;
  }
  if (r.status != Status::NumericalError) {
    // ⟨C, P⟩ and the entropy of the plan, one pass.
    double cost = 0, h = 0;
    const Vec loga = safe_log(a), logb = safe_log(b);
    for (Index i = 0; i < C.rows(); ++i) {
      const ArrD lp = loga[i] + logb.array() + (r.f[i] + r.g.array() - C.row(i).transpose().array()) / r.eps;
      const ArrD p = lp.exp();
      cost += (p * C.row(i).transpose().array()).sum();
      h -= (p * lp).sum();
    }
    auto H = [](const Vec& w) { return -(w.array() * safe_log(w).array()).sum(); };
    r.cost = cost;
    const double hab = H(a) + H(b);
    r.entropy = hab > 0 ? 2 * h / hab - 1 : 0.0;
  }
  r.seconds = timer.seconds();
  return r;
}

Mat sinkhorn_plan(const Mat& C, const Vec& a, const Vec& b, const SinkhornResult& r) {
  FM_REQUIRE(r.status != Status::NumericalError, "sinkhorn_plan: the solve failed; there is no plan");
  // In place, one n×m matrix instead of three temporaries; the same operations in the same order.
  Mat P = ((-C).colwise() + r.f).rowwise() + r.g.transpose();
  P = (P.array() / r.eps).exp().matrix();  // coefficient-wise, so evaluated in place
  P.array().colwise() *= a.array();
  P.array().rowwise() *= b.transpose().array();
  return P;
}

std::vector<Index> sinkhorn_row_draws(const Mat& C, const Vec& a, const Vec& b, const SinkhornResult& r,
                                      const std::vector<double>& u) {
  FM_REQUIRE(r.status != Status::NumericalError, "sinkhorn_row_draws: the solve failed; there is no plan");
  const Index n = C.rows(), m = C.cols();
  FM_REQUIRE(static_cast<Index>(u.size()) == n && a.size() == n && b.size() == m && r.f.size() == n &&
                 r.g.size() == m,
             "sinkhorn_row_draws: the sizes of C, a, b, the potentials and u disagree");
  for (const double ui : u) FM_REQUIRE(ui >= 0 && ui < 1, "sinkhorn_row_draws: uniforms must lie in [0, 1)");
  // Checked here: inverse_cdf's own check would throw inside the parallel rows, which aborts.
  FM_REQUIRE(m >= 1, "sinkhorn_row_draws: the plan has no columns");
  std::vector<Index> out(static_cast<std::size_t>(n));
  // A row at a time, in a buffer that stays in cache: the materialised n = 4096 plan (134 MB) was
  // written and read back once per minibatch problem. For m a multiple of the packet size (every
  // study's batch) the entries are sinkhorn_plan's bit for bit; otherwise the vectorised exp and
  // its scalar tail may split a row differently, a last-bit difference.
#pragma omp parallel if (fm::worth_threads(static_cast<double>(C.size())))
  {
    ArrD p(m);
#pragma omp for schedule(static)
    for (Index i = 0; i < n; ++i) {
      p = ((-C.row(i).transpose().array() + r.f[i]) + r.g.array()) / r.eps;
      p = p.exp();
      p *= a[i];
      p *= b.array();
      out[static_cast<std::size_t>(i)] = inverse_cdf(p.data(), m, u[static_cast<std::size_t>(i)] * p.sum());
    }
  }
  return out;
}

Vec soft_c_transform(const Mat& C, const Vec& b, const Vec& g, double eps) {
  Vec f;
  half_step<double>(Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>(C), g, safe_log(b), eps, f);
  return f;
}

}  // namespace fm::ot
