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
               const Vec& logw, double eps, Vec& out) {
  const Index n = M.rows(), m = M.cols();
  std::vector<T> h(static_cast<std::size_t>(m));
  for (Index j = 0; j < m; ++j) h[static_cast<std::size_t>(j)] = static_cast<T>(pot[j] / eps + logw[j]);
  const T inv = static_cast<T>(1 / eps);
  if (out.size() != n) out = Vec::Zero(n);
  const T* hp = h.data();
#pragma omp parallel for schedule(static)
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
// stride of a whole row and took 13 % of a training run with n = 4096 Sinkhorn batches.
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> transposed(const Mat& c) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> t(c.cols(), c.rows());
  constexpr Index tile = 32;
#pragma omp parallel for schedule(static)
  for (Index i0 = 0; i0 < c.rows(); i0 += tile)
    for (Index j0 = 0; j0 < c.cols(); j0 += tile)
      for (Index i = i0; i < std::min(i0 + tile, c.rows()); ++i)
        for (Index j = j0; j < std::min(j0 + tile, c.cols()); ++j) t(j, i) = static_cast<T>(c(i, j));
  return t;
}

// Whether every entry is finite, in one vectorised pass: x·0 is ±0 for finite x and NaN otherwise.
// Eigen's allFinite() tests entry by entry with an early exit and does not vectorise (8 % of the
// same run).
bool all_finite(const Mat& c) { return std::isfinite((c.array() * 0.0).sum()); }

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

  // Iterates at one ε from (f, g); returns iterations used. `err` is the L1 column error.
  long run(const Vec& loga, const Vec& logb, const Vec& b, double eps, double tol, long max_iter, Vec& f, Vec& g,
           double& err, bool& finite) {
    Vec g_new;
    for (long it = 1; it <= max_iter; ++it) {
      half_step<T>(*C, g, logb, eps, f);
      half_step<T>(Ct, f, loga, eps, g_new);
      // Column sums of the plan (f, g): b_j exp((g_j − g_new_j)/ε).
      err = (b.array() * (((g - g_new).array() / eps).exp() - 1.0)).abs().sum();
      finite = f.allFinite() && g_new.allFinite() && std::isfinite(err);
      if (!finite) return it;
      if (err < tol || it == max_iter) return it;  // keep g: rows exact, columns off by err
      g.swap(g_new);
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
    if (!u.allFinite() || !col.allFinite() || (u.array() == 0).any()) {
      r.status = Status::NumericalError;
      return r;
    }
    if (r.marginal_error < o.tol) break;
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
}

std::string SinkhornResult::brief() const {
  std::ostringstream o;
  o << "sinkhorn " << to_string(status) << " after " << iterations << " iterations: cost " << cost
    << ", L1 marginal error " << marginal_error << ", eps " << eps << " in " << seconds << " s";
  return o.str();
}

void SinkhornResult::summarize(io::Summary& s, Index n, Index m) const {
  s.set("status", to_string(status));
  s.set("cost", cost);
  s.set("marginal_error", marginal_error);
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
  } else {
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
    for (double e : stages) {
      const long used = sf ? sf->run(loga, logb, b, e, o.tol, left, f, g, r.marginal_error, finite)
                           : sd->run(loga, logb, b, e, o.tol, left, f, g, r.marginal_error, finite);
      r.iterations += used;
      left -= used;
      if (!finite || left <= 0) break;
    }
    r.f = f;
    r.g = g;
    if (!finite) r.status = Status::NumericalError;
    else if (!(r.marginal_error < o.tol)) r.status = Status::MaxIterations;
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

Vec soft_c_transform(const Mat& C, const Vec& b, const Vec& g, double eps) {
  Vec f;
  half_step<double>(Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>(C), g, safe_log(b), eps, f);
  return f;
}

}  // namespace fm::ot
