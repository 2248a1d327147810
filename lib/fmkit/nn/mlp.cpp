#include "fmkit/nn/mlp.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::nn {

Mlp::Mlp(MlpSpec spec) : spec_(std::move(spec)) {
  FM_REQUIRE(spec_.dim >= 1, "model: dimension must be >= 1");
  spec_.embedding.validate("model.time_embedding");
  FM_REQUIRE(spec_.times == 1 || spec_.times == 2, "model: a network takes one time or two");
  FM_REQUIRE(spec_.classes >= 0 && spec_.cond_dim >= 0, "model: condition sizes must be >= 0");
  FM_REQUIRE(!(spec_.classes > 0 && spec_.cond_dim > 0), "model: a network takes a label or a vector, not both");
  FM_REQUIRE(!spec_.null_token || spec_.conditional(), "model: a null token needs a conditional network");
  Index prev = spec_.dim + spec_.times * spec_.embedding.width() + spec_.condition_width(), total = 0;
  std::vector<Index> widths = spec_.hidden;
  widths.push_back(spec_.dim);
  for (Index w : widths) {
    FM_REQUIRE(w >= 1, "model.hidden: every width must be >= 1");
    in_.push_back(prev);
    out_.push_back(w);
    offset_.push_back(total);
    total += w * prev + w;
    prev = w;
  }
  params_ = Vec::Zero(total);
}

void Mlp::init(Rng& rng) {
  for (Index l = 0; l < num_layers(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_[static_cast<std::size_t>(l)]));
    const Index n = out_[static_cast<std::size_t>(l)] * (in_[static_cast<std::size_t>(l)] + 1);
    for (Index i = 0; i < n; ++i) params_[offset_[static_cast<std::size_t>(l)] + i] = rng.uniform(-bound, bound);
  }
}

Mlp::RowMap Mlp::weight(Index l) const {
  const auto L = static_cast<std::size_t>(l);
  return RowMap(params_.data() + offset_[L], out_[L], in_[L]);
}

Eigen::Map<const Vec> Mlp::bias(Index l) const {
  const auto L = static_cast<std::size_t>(l);
  return Eigen::Map<const Vec>(params_.data() + offset_[L] + out_[L] * in_[L], out_[L]);
}

bool is_null_condition(const MlpSpec& spec, const double* row) {
  return spec.classes > 0 ? row[0] == kNullLabel : std::isnan(row[0]);
}

void Mlp::check_condition(const Mat& cond, Index n) const {
  if (!spec_.conditional()) {
    if (cond.size() > 0) usage_error("model: the network was trained without conditions; drop the condition");
    return;
  }
  if (cond.rows() != n || cond.cols() != spec_.condition_columns())
    usage_error("model: expected " + std::to_string(n) + " condition rows of " +
                std::to_string(spec_.condition_columns()) + (spec_.classes > 0 ? " label" : " entries") + ", got " +
                std::to_string(cond.rows()) + " × " + std::to_string(cond.cols()));
  for (Index i = 0; i < n; ++i) {
    if (is_null_condition(spec_, cond.row(i).data())) {
      if (!spec_.null_token)
        usage_error("model: the network was trained without a null token (objective.p_uncond = 0), so it has no "
                    "unconditional velocity for guidance");
      continue;
    }
    if (spec_.classes > 0) {
      const double l = cond(i, 0);
      if (!(l >= 0 && l < static_cast<double>(spec_.classes) && l == std::floor(l)))
        usage_error("model: label " + std::to_string(l) + " is outside the trained classes 0.." +
                    std::to_string(spec_.classes - 1));
    } else if (!cond.row(i).allFinite()) {
      usage_error("model: condition row " + std::to_string(i) + " has non-finite entries");
    }
  }
}

namespace {
template <class S>
using ConstRowMap = Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class S>
using ColVec = Eigen::Matrix<S, Eigen::Dynamic, 1>;
}  // namespace

template <class S>
Mlp::MatT<S> Mlp::run(const S* p, MatT<S> z, CacheT<S>* cache) const {
  if (cache) {
    cache->z.clear();
    cache->s1.clear();
  }
  const Index L = num_layers();
  for (Index l = 0; l < L; ++l) {
    const auto Lx = static_cast<std::size_t>(l);
    const ConstRowMap<S> W(p + offset_[Lx], out_[Lx], in_[Lx]);
    const Eigen::Map<const ColVec<S>> b(p + offset_[Lx] + out_[Lx] * in_[Lx], out_[Lx]);
    MatT<S> a = z * W.transpose();
    a.rowwise() += b.transpose();
    if (cache) cache->z.push_back(std::move(z));
    if (l + 1 == L) return a;
    MatT<S> s1;
    activate(spec_.activation, a, &z, cache ? &s1 : nullptr);
    if (cache) cache->s1.push_back(std::move(s1));
  }
  return z;  // unreachable: the output layer returns above
}

template <class S>
void Mlp::backward_as(const S* p, const CacheT<S>& cache, const MatT<S>& dout, S* grad) const {
  MatT<S> g = dout;  // ∂L/∂a_l
  for (Index l = num_layers() - 1; l >= 0; --l) {
    const auto L = static_cast<std::size_t>(l);
    Eigen::Map<MatT<S>> gW(grad + offset_[L], out_[L], in_[L]);
    gW.noalias() += g.transpose() * cache.z[L];
    Eigen::Map<ColVec<S>>(grad + offset_[L] + out_[L] * in_[L], out_[L]) += g.colwise().sum().transpose();
    if (l == 0) break;
    MatT<S> gz = g * ConstRowMap<S>(p + offset_[L], out_[L], in_[L]);
    g = gz.cwiseProduct(cache.s1[L - 1]);
  }
}

void Mlp::backward(const Cache& cache, const Mat& dout, Vec& grad) const {
  FM_REQUIRE(grad.size() == num_params(), "backward: gradient vector has the wrong size");
  backward_as(params_.data(), cache, dout, grad.data());
}

MatF Mlp::forward_f32(const VecF& p32, const Mat& x, const Vec& t, CacheF* cache, const Mat& cond) const {
  FM_REQUIRE(p32.size() == num_params(), "forward: float32 weights have the wrong size");
  return run<float>(p32.data(), input(x, t, cond).cast<float>(), cache);
}

void Mlp::backward_f32(const VecF& p32, const CacheF& cache, const MatF& dout, VecF& grad) const {
  FM_REQUIRE(p32.size() == num_params() && grad.size() == num_params(),
             "backward: float32 weights or gradient have the wrong size");
  backward_as(p32.data(), cache, dout, grad.data());
}

Mat Mlp::input(const Mat& x, const Vec& t, const Mat& cond) const { return input(x, t, t, cond); }

Mat Mlp::input(const Mat& x, const Vec& t, const Vec& s, const Mat& cond) const {
  FM_REQUIRE(x.cols() == spec_.dim, "model: points have dimension " + std::to_string(x.cols()) +
                                        ", the network " + std::to_string(spec_.dim));
  FM_REQUIRE(t.size() == x.rows() && s.size() == x.rows(), "model: one time per row expected");
  const Index w = spec_.embedding.width(), n = x.rows();
  Mat z(n, in_[0]);
  z.leftCols(spec_.dim) = x;
  z.middleCols(spec_.dim, w) = spec_.embedding.features(t);
  if (spec_.times == 2) z.middleCols(spec_.dim + w, w) = spec_.embedding.features(s);
  if (!spec_.conditional()) {
    FM_REQUIRE(cond.size() == 0, "model: the network was trained without conditions");
    return z;
  }
  FM_REQUIRE(cond.rows() == n && cond.cols() == spec_.condition_columns(),
             "model: a conditional network needs one condition row per point");
  // The condition block: a one-hot label or the vector, zeros for ∅, then the ∅ indicator.
  const Index c0 = spec_.dim + spec_.times * w, cw = spec_.condition_width();
  z.middleCols(c0, cw).setZero();
  for (Index i = 0; i < n; ++i) {
    if (is_null_condition(spec_, cond.row(i).data())) {
      FM_REQUIRE(spec_.null_token, "model: ∅ asked of a network without a null token");
      z(i, c0 + cw - 1) = 1;
    } else if (spec_.classes > 0) {
      z(i, c0 + static_cast<Index>(cond(i, 0))) = 1;
    } else {
      z.row(i).segment(c0, spec_.cond_dim) = cond.row(i);
    }
  }
  return z;
}

Mat Mlp::forward(const Mat& x, const Vec& t, Cache* cache, const Mat& cond) const {
  return run(params_.data(), input(x, t, cond), cache);
}

Mat Mlp::forward(const Mat& x, const Vec& t, const Vec& s, Cache* cache, const Mat& cond) const {
  FM_REQUIRE(spec_.times == 2, "model: a one-time network has no second time");
  return run(params_.data(), input(x, t, s, cond), cache);
}

Mat Mlp::forward_jvp(const Mat& x, const Vec& t, const Vec& s, const Mat& dx, const Vec& dt, const Vec& ds,
                     Mat& tangent, Cache* cache) const {
  FM_REQUIRE(dx.rows() == x.rows() && dx.cols() == x.cols() && dt.size() == x.rows() && ds.size() == x.rows(),
             "model: the tangent direction does not match the points");
  const Index d = spec_.dim, w = spec_.embedding.width(), L = num_layers();
  Mat z = input(x, t, s, Mat());
  // The input tangent: dx, then each time's feature derivative scaled by that time's direction.
  Mat zdot = Mat::Zero(x.rows(), in_[0]);
  zdot.leftCols(d) = dx;
  zdot.middleCols(d, w) = spec_.embedding.derivative(t).array().colwise() * dt.array();
  if (spec_.times == 2 && !ds.isZero(0))  // the mean-flow direction (v, 1, 0) holds s
    zdot.middleCols(d + w, w) = spec_.embedding.derivative(s).array().colwise() * ds.array();
  if (cache) {
    cache->z.clear();
    cache->s1.clear();
  }
  for (Index l = 0; l < L; ++l) {
    Mat a = z * weight(l).transpose();
    a.rowwise() += bias(l).transpose();
    Mat adot = zdot * weight(l).transpose();
    if (cache) cache->z.push_back(std::move(z));
    if (l + 1 == L) {
      tangent = std::move(adot);
      return a;
    }
    Mat s1;
    activate(spec_.activation, a, &z, &s1);
    zdot = adot.cwiseProduct(s1);
    if (cache) cache->s1.push_back(std::move(s1));
  }
  return z;  // unreachable: the output layer returns above
}

namespace {
// Row i·d + k of a tangent batch belongs to point i: scale it by row i of `s`.
void scale_tangents(Mat& tan, const Mat& s, Index d) {
  for (Index i = 0; i < s.rows(); ++i) tan.middleRows(i * d, d).array().rowwise() *= s.row(i).array();
}
}  // namespace

void Mlp::evaluate(const Mat& x, const Vec& t, unsigned want, Derivs& out, const Mat& cond) const {
  const Index n = x.rows(), d = spec_.dim, L = num_layers();
  const bool tangents = want & (kJacobian | kDivergence | kGradDiv);
  const bool second = want & kGradDiv;
  // Primal pass, keeping σ' and σ'' of the hidden layers.
  std::vector<Mat> s1(static_cast<std::size_t>(L)), s2(static_cast<std::size_t>(L));
  Mat z = input(x, t, cond);
  for (Index l = 0; l + 1 < L; ++l) {
    Mat a = z * weight(l).transpose();
    a.rowwise() += bias(l).transpose();
    activate(spec_.activation, a, &z, tangents ? &s1[static_cast<std::size_t>(l)] : nullptr,
             second ? &s2[static_cast<std::size_t>(l)] : nullptr);
  }
  if (want & kValue) {
    out.value = z * weight(L - 1).transpose();
    out.value.rowwise() += bias(L - 1).transpose();
  }
  if (!tangents) return;

  // Forward tangents: ȧ_1 for direction k is column k of W_1 (the x-block), the same for every point.
  std::vector<Mat> adot(static_cast<std::size_t>(L));
  Mat w1x = weight(0).leftCols(d).transpose();  // d × h1: row k = ∂a_1/∂x_k
  adot[0] = w1x.replicate(n, 1);
  for (Index l = 0; l + 1 < L; ++l) {
    Mat zdot = adot[static_cast<std::size_t>(l)];
    scale_tangents(zdot, s1[static_cast<std::size_t>(l)], d);
    adot[static_cast<std::size_t>(l + 1)] = zdot * weight(l + 1).transpose();
  }
  const Mat& vdot = adot[static_cast<std::size_t>(L - 1)];  // row i·d+k: ∂v/∂x_k at point i
  if (want & kJacobian) {
    out.jac.resize(n, d * d);
    for (Index i = 0; i < n; ++i)
      SquareMap(out.jac.row(i).data(), d, d) = vdot.middleRows(i * d, d).transpose();
  }
  if (want & kDivergence) {
    out.div.resize(n);
    for (Index i = 0; i < n; ++i) out.div[i] = vdot.middleRows(i * d, d).trace();
  }
  if (!second) return;

  // Reverse sweep through the tangent pass for ∇(Σ_k ∂v_k/∂x_k). `tbar` is the adjoint of the
  // tangent pre-activations (unit e_k at the output), `abar` the adjoint of the primal ones; x
  // reaches the tangents only through σ'(a_l), which is where σ'' enters.
  Mat tbar = Mat::Zero(n * d, d);
  for (Index i = 0; i < n; ++i) tbar.middleRows(i * d, d).setIdentity();
  Mat abar = Mat::Zero(n, out_.back());
  for (Index l = L - 2; l >= 0; --l) {
    const auto Lx = static_cast<std::size_t>(l);
    const Mat zdotbar = tbar * weight(l + 1);  // adjoint of the tangent activations ż_l
    Mat zbar = abar * weight(l + 1);
    Mat prod = adot[Lx].cwiseProduct(zdotbar);  // ȧ_l ⊙ ż̄_l, summed over the d directions below
    Mat sum(n, prod.cols());
    for (Index i = 0; i < n; ++i) sum.row(i) = prod.middleRows(i * d, d).colwise().sum();
    abar = zbar.cwiseProduct(s1[Lx]) + sum.cwiseProduct(s2[Lx]);
    tbar = zdotbar;
    scale_tangents(tbar, s1[Lx], d);
  }
  out.grad_div = abar * weight(0).leftCols(d);
}

Mat Mlp::time_derivative(const Mat& x, const Vec& t, const Mat& cond) const {
  const Index L = num_layers(), w = spec_.embedding.width();
  Mat z = input(x, t, cond);
  Mat tan = Mat::Zero(x.rows(), in_[0]);
  // d/dt of U(x, t, t) for a two-time net: both time blocks move with t.
  tan.middleCols(spec_.dim, w) = spec_.embedding.derivative(t);
  if (spec_.times == 2) tan.middleCols(spec_.dim + w, w) = tan.middleCols(spec_.dim, w);
  for (Index l = 0; l + 1 < L; ++l) {
    Mat a = z * weight(l).transpose();
    a.rowwise() += bias(l).transpose();
    Mat s1;
    activate(spec_.activation, a, &z, &s1);
    tan = (tan * weight(l).transpose()).cwiseProduct(s1);
  }
  return tan * weight(L - 1).transpose();
}

}  // namespace fm::nn
