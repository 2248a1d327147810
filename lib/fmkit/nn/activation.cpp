#include "fmkit/nn/activation.hpp"

#include "fmkit/core/error.hpp"

namespace fm::nn {

namespace {
constexpr double kSeluLambda = 1.0507009873554804934;
constexpr double kSeluAlpha = 1.6732632423543772848;
}  // namespace

Activation parse_activation(const std::string& name, const std::string& where) {
  if (name == "silu") return Activation::Silu;
  if (name == "selu") return Activation::Selu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "softplus") return Activation::Softplus;
  usage_error(where + ": unknown activation '" + name + "' (expected silu, selu, tanh or softplus)");
}

std::string to_string(Activation a) {
  switch (a) {
    case Activation::Silu: return "silu";
    case Activation::Selu: return "selu";
    case Activation::Tanh: return "tanh";
    default: return "softplus";
  }
}

double lipschitz(Activation a) {
  switch (a) {
    case Activation::Silu: return 1.0998393202;  // max σ' at a = 2.39936 (rounded up: an upper bound)
    case Activation::Selu: return kSeluLambda * kSeluAlpha;
    default: return 1.0;
  }
}

// Row-major arrays throughout: mixing storage orders with the row-major batch forces Eigen into
// a scalar per-coefficient loop (measured: scalar libm exp and 3x slower training steps).
// One template for float64 and float32 (train.precision); the constants are cast to the scalar so
// that the float64 instantiation is the arithmetic it always was.
template <class M>
void activate_as(Activation act, const M& m, M* s0, M* s1, M* s2) {
  using S = typename M::Scalar;
  using RowArray = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const S one(1), two(2), zero(0), lambda(kSeluLambda), alpha(kSeluAlpha);
  const auto a = m.array();
  switch (act) {
    case Activation::Silu: {
      const RowArray sg = one / (one + (-a).exp());
      if (s0) *s0 = (a * sg).matrix();
      if (s1) *s1 = (sg * (one + a * (one - sg))).matrix();
      if (s2) *s2 = (sg * (one - sg) * (two + a * (one - two * sg))).matrix();
      break;
    }
    case Activation::Tanh: {
      const RowArray th = a.tanh();
      if (s0) *s0 = th.matrix();
      if (s1) *s1 = (one - th.square()).matrix();
      if (s2) *s2 = (-two * th * (one - th.square())).matrix();
      break;
    }
    case Activation::Softplus: {
      // log(1 + e^a) = max(a, 0) + log1p(e^{−|a|}): no overflow for large a.
      const RowArray e = (-a.abs()).exp();
      if (s0) *s0 = (a.max(zero) + e.log1p()).matrix();
      const RowArray sg = one / (one + (-a).exp());
      if (s1) *s1 = sg.matrix();
      if (s2) *s2 = (sg * (one - sg)).matrix();
      break;
    }
    case Activation::Selu: {
      const RowArray ex = a.min(zero).exp();
      const auto pos = (a > zero).template cast<S>();
      if (s0) *s0 = (lambda * (pos * a + (one - pos) * alpha * (ex - one))).matrix();
      if (s1) *s1 = (lambda * (pos + (one - pos) * alpha * ex)).matrix();
      if (s2) *s2 = (lambda * (one - pos) * alpha * ex).matrix();
      break;
    }
  }
}

void activate(Activation act, const Mat& a, Mat* s0, Mat* s1, Mat* s2) { activate_as(act, a, s0, s1, s2); }
void activate(Activation act, const MatF& a, MatF* s0, MatF* s1, MatF* s2) { activate_as(act, a, s0, s1, s2); }

}  // namespace fm::nn
