#include "fmkit/field/exact_field.hpp"

#include "fmkit/core/error.hpp"

namespace fm::field {

void MixturePathField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  path_->evaluate(t, kind_, x, want, out);
}

std::string MixturePathField::name() const {
  switch (kind_) {
    case path::FieldKind::Velocity: return "exact-velocity";
    case path::FieldKind::Drift: return "exact-drift";
    default: return "exact-score";
  }
}

void LinearRateField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  const double a = a_(t);
  const Index n = x.rows();
  if (want & kValue) out.value = a * x;
  if (want & kJacobian) {
    out.jac = Mat::Zero(n, d_ * d_);
    for (Index k = 0; k < d_; ++k) out.jac.col(k * d_ + k).setConstant(a);
  }
  if (want & kDivergence) out.div = Vec::Constant(n, a * static_cast<double>(d_));
  if (want & kGradDiv) out.grad_div = Mat::Zero(n, d_);
}

void DensityPathField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  if (want & ~kValue)
    usage_error("the quadrature velocity of a 1-D target gives values only (no Jacobian or divergence); "
                "use a trained or closed-form field where derivatives are needed");
  out.value = path_->velocity(t, x);
}

}  // namespace fm::field
