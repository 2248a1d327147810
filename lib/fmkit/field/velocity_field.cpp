#include "fmkit/field/velocity_field.hpp"

namespace fm::field {

void VelocityField::evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const {
  const Index n = x.rows(), d = dim();
  if (want & kValue) out.value.resize(n, d);
  if (want & kJacobian) out.jac.resize(n, d * d);
  if (want & kDivergence) out.div.resize(n);
  if (want & kGradDiv) out.grad_div.resize(n, d);
  Derivs one;
  for (Index i = 0; i < n; ++i) {
    evaluate(x.row(i), t[i], want, one);
    if (want & kValue) out.value.row(i) = one.value.row(0);
    if (want & kJacobian) out.jac.row(i) = one.jac.row(0);
    if (want & kDivergence) out.div[i] = one.div[0];
    if (want & kGradDiv) out.grad_div.row(i) = one.grad_div.row(0);
  }
}

Mat VelocityField::value(const Mat& x, double t) const {
  Derivs d;
  evaluate(x, t, kValue, d);
  return d.value;
}

Mat VelocityField::jacobian(const Mat& x, double t) const {
  Derivs d;
  evaluate(x, t, kJacobian, d);
  return d.jac;
}

Vec VelocityField::divergence(const Mat& x, double t) const {
  Derivs d;
  evaluate(x, t, kDivergence, d);
  return d.div;
}

Mat VelocityField::grad_div(const Mat& x, double t) const {
  Derivs d;
  evaluate(x, t, kGradDiv, d);
  return d.grad_div;
}

}  // namespace fm::field
