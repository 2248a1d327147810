#include "fmkit/field/conditioned_field.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::field {

ConditionedField::ConditionedField(std::shared_ptr<const nn::Mlp> net, double guidance)
    : net_(std::move(net)), guidance_(guidance) {
  if (!net_->spec().conditional()) usage_error("model: the network was trained without conditions");
  if (!(std::isfinite(guidance_) && std::abs(guidance_) <= 1e3))
    usage_error("guidance: expected a finite scale in [-1000, 1000]");
  if (guidance_ != 1 && !net_->spec().null_token)
    usage_error("guidance: the model was trained without a null token (objective.p_uncond = 0), so only "
                "guidance 1 (the plain conditional model) is defined");
}

Mat ConditionedField::augment(const Mat& x0, const Mat& cond) const {
  net_->check_condition(cond, x0.rows());
  Mat s(x0.rows(), dim());
  s.leftCols(net_->dim()) = x0;
  s.rightCols(cond.cols()) = cond;
  return s;
}

void ConditionedField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  evaluate_rows(x, Vec::Constant(x.rows(), t), want, out);
}

void ConditionedField::evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const {
  if (want & (kJacobian | kGradDiv))
    usage_error("a conditional model offers values and divergences only (no Jacobian or grad-div)");
  const Index d = net_->dim(), m = dim() - d;
  const Mat xs = x.leftCols(d), z = x.rightCols(m);
  const unsigned w = want & (kValue | kDivergence);
  Derivs c;
  net_->evaluate(xs, t, w, c, z);
  if (guidance_ != 1) {
    // Both passes share the points; ∅ in every row for the unconditional one.
    Mat null = Mat::Zero(x.rows(), m);
    null.col(0).setConstant(net_->spec().classes > 0 ? nn::kNullLabel : std::nan(""));
    Derivs u;
    net_->evaluate(xs, t, w, u, null);
    if (w & kValue) c.value = u.value + guidance_ * (c.value - u.value);
    if (w & kDivergence) c.div = u.div + guidance_ * (c.div - u.div);
  }
  if (w & kValue) {
    out.value = Mat::Zero(x.rows(), d + m);
    out.value.leftCols(d) = c.value;
  }
  if (w & kDivergence) out.div = std::move(c.div);
}

}  // namespace fm::field
