#include "fmkit/field/velocity_field.hpp"

namespace fm::field {

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
