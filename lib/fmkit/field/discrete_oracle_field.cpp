#include "fmkit/field/discrete_oracle_field.hpp"

#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/exp_fast.hpp"
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/core/threads.hpp"

namespace fm::field {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Normalises log-weights in place into weights (max-shifted, so no overflow).
void softmax_in_place(double* lw, Index n) {
  double m = kNegInf;
  for (Index j = 0; j < n; ++j) m = std::max(m, lw[j]);
  double s = 0;
  for (Index j = 0; j < n; ++j) s += (lw[j] = lw[j] == kNegInf ? 0.0 : std::exp(lw[j] - m));
  for (Index j = 0; j < n; ++j) lw[j] /= s;
}

}  // namespace

DiscreteOracleField::DiscreteOracleField(Mat y, Vec b) : y_(std::move(y)), b_(std::move(b)) {
  if (y_.rows() < 1 || b_.size() != y_.rows()) usage_error("oracle field: expected one weight per atom");
  if (b_.minCoeff() < 0 || std::abs(b_.sum() - 1.0) > 1e-9) usage_error("oracle field: weights must be ≥ 0 and sum to 1");
  log_b_ = b_.array().log();
  sq_norm_ = y_.rowwise().squaredNorm();
}

DiscreteOracleField::DiscreteOracleField(Mat y, Vec b, Vec g, double eps)
    : DiscreteOracleField(std::move(y), std::move(b)) {
  if (g.size() != y_.rows()) usage_error("oracle field: expected one potential value per atom");
  if (!(eps >= 0) || !std::isfinite(eps)) usage_error("oracle field: ε must be finite and ≥ 0");
  g_ = std::move(g);
  eps_ = eps;
  gram_ = y_ * y_.transpose();
}

std::string DiscreteOracleField::name() const {
  if (g_.size() == 0) return "oracle:independent";
  return "oracle:semidiscrete(eps=" + std::to_string(eps_) + ")";
}

void DiscreteOracleField::check_time(double t) const {
  if (!(t >= 0.0 && t < 1.0))
    runtime_error("oracle field: evaluated at t = " + std::to_string(t) +
                  "; the exact discrete-target field is defined on [0, 1) only (use Euler)");
}

// w_j ∝ φ(x₀⁽ʲ⁾) κ_j(x₀⁽ʲ⁾) for one point x, from xy_k = ⟨x, y_k⟩ and xx = ‖x‖²; `work` has N entries.
void DiscreteOracleField::posterior_row(const double* xy, double xx, double t, double* w, double* work) const {
  const Index n = y_.rows();
  const double s = 1.0 - t, c = t / s;
  for (Index j = 0; j < n; ++j) {
    // log φ(x₀⁽ʲ⁾) up to a constant: −‖x − t y_j‖² / (2 s²)
    const double dist = std::max(0.0, xx - 2.0 * t * xy[j] + t * t * sq_norm_[j]);
    w[j] = -dist / (2.0 * s * s);
  }
  if (g_.size() == 0) {
    for (Index j = 0; j < n; ++j) w[j] += log_b_[j];
    softmax_in_place(w, n);
    return;
  }
  // a_k = g_k + ⟨x, y_k⟩/s; the score of atom k at x₀⁽ʲ⁾ is a_k − c G_jk.
  double* a = work;
  for (Index k = 0; k < n; ++k) a[k] = g_[k] + xy[k] / s;
  if (eps_ > 0) {
    // log κ_j at x₀⁽ʲ⁾ is h_j − γ G_jj − LSE_k (h_k − γ G_jk) with h_k = log b_k + a_k/ε, γ = c/ε: an
    // N × N log-sum-exp per point, the oracle study's whole cost, so the reductions are `omp simd`
    // (plain loops would stay scalar: floating max and sum do not vectorise without reassociation).
    for (Index k = 0; k < n; ++k) a[k] = log_b_[k] + a[k] / eps_;
    const double gamma = c / eps_;
    const double* h = a;
    for (Index j = 0; j < n; ++j) {
      if (b_[j] <= 0) {
        w[j] = kNegInf;
        continue;
      }
      const double* gj = gram_.row(j).data();
      double m = kNegInf;
#pragma omp simd reduction(max : m)
      for (Index k = 0; k < n; ++k) m = std::max(m, h[k] - gamma * gj[k]);
      double sum = 0;
#pragma omp simd reduction(+ : sum)
      for (Index k = 0; k < n; ++k) sum += exp_fast(h[k] - gamma * gj[k] - m);
      w[j] += h[j] - gamma * gj[j] - (m + std::log(sum));
    }
    softmax_in_place(w, n);
    return;
  }
  // ε = 0: κ_j is 1 iff j wins its own cell at x₀⁽ʲ⁾. Exactly one j does (the displacement
  // interpolation is injective for t < 1); rounding at a cell boundary can leave none, and then the
  // least-violated j is taken.
  Index valid = 0, best = -1;
  double best_margin = kNegInf;
  for (Index j = 0; j < n; ++j) {
    if (b_[j] <= 0) {
      w[j] = kNegInf;
      continue;
    }
    const double* gj = gram_.row(j).data();
    const double own = a[j] - c * gj[j];
    bool wins = true;
    for (Index k = 0; k < n && wins; ++k)
      if (k != j && b_[k] > 0) {
        const double sk = a[k] - c * gj[k];
        wins = k < j ? sk < own : sk <= own;
      }
    if (wins) {
      ++valid;
    } else {
      w[j] = kNegInf;
    }
  }
  if (valid == 0) {
    for (Index j = 0; j < n; ++j) {
      if (b_[j] <= 0) continue;
      const double* gj = gram_.row(j).data();
      double other = kNegInf;
      for (Index k = 0; k < n; ++k)
        if (k != j && b_[k] > 0) other = std::max(other, a[k] - c * gj[k]);
      const double margin = a[j] - c * gj[j] - other;
      if (margin > best_margin) best_margin = margin, best = j;
    }
    for (Index j = 0; j < n; ++j) w[j] = j == best ? 0.0 : kNegInf;
  }
  softmax_in_place(w, n);
}

// One time per row; the single-time calls pass a constant vector.
Mat DiscreteOracleField::posterior_rows(const Mat& x, const Vec& t) const {
  if (x.cols() != dim()) usage_error("oracle field: points have the wrong dimension");
  if (t.size() != x.rows()) usage_error("oracle field: one time per row expected");
  for (Index i = 0; i < t.size(); ++i) check_time(t[i]);
  const Mat xy = x * y_.transpose();
  Mat w(x.rows(), y_.rows());  // Mat is row-major: each point's weights are contiguous
#pragma omp parallel if (fm::worth_threads(static_cast<double>(w.size())))
  {
    Vec work(y_.rows());
#pragma omp for schedule(static)
    for (Index i = 0; i < x.rows(); ++i)
      posterior_row(xy.row(i).data(), x.row(i).squaredNorm(), t[i], w.row(i).data(), work.data());
  }
  return w;
}

Mat DiscreteOracleField::posterior(const Mat& x, double t) const {
  return posterior_rows(x, Vec::Constant(x.rows(), t));
}

void DiscreteOracleField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  evaluate_rows(x, Vec::Constant(x.rows(), t), want, out);
}

void DiscreteOracleField::evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const {
  if (want != kValue) usage_error("oracle field: only values are available (no derivatives)");
  out.value = posterior_rows(x, t) * y_ - x;
  out.value.array().colwise() /= (1.0 - t.array());
}

std::vector<Index> DiscreteOracleField::draw_atoms(const Mat& x0, Rng& rng) const {
  const Index n = y_.rows();
  std::vector<Index> j(static_cast<std::size_t>(x0.rows()));
  Vec lw(n);
  for (Index i = 0; i < x0.rows(); ++i) {
    if (g_.size() > 0 && eps_ == 0) {
      Index best = -1;
      double bs = kNegInf;
      for (Index k = 0; k < n; ++k)
        if (b_[k] > 0) {
          const double sk = g_[k] + x0.row(i).dot(y_.row(k));
          if (sk > bs) bs = sk, best = k;
        }
      j[static_cast<std::size_t>(i)] = best;
      continue;
    }
    if (g_.size() == 0) {
      lw = log_b_;
    } else {
      for (Index k = 0; k < n; ++k) lw[k] = log_b_[k] + (g_[k] + x0.row(i).dot(y_.row(k))) / eps_;
    }
    softmax_in_place(lw.data(), n);
    Index pick = inverse_cdf(lw.data(), n, rng.uniform());
    while (lw[pick] <= 0) --pick;  // rounding left u above the total: the last atom with mass
    j[static_cast<std::size_t>(i)] = pick;
  }
  return j;
}

}  // namespace fm::field
