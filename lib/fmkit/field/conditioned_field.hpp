// A conditional network under classifier-free guidance (theory/sdfm_variants.md §1) as a field on
// the augmented state (x, z): d/dt (x, z) = (v_γ(x, t, z), 0). Every solver then carries each
// row's condition along unchanged (through chunks and adaptive steps alike), and the x-part of the
// flow is the conditional flow.
//   v_γ = v(x, t, ∅) + γ (v(x, t, z) − v(x, t, ∅)); γ = 1 is the plain conditional model (one pass,
//   no null token needed), γ = 0 the unconditional one.
// Values and the divergence are exact (the z rows of the Jacobian vanish, so the trace is ∇_x·v_γ);
// the full Jacobian and ∇div are not offered (the z columns are not computed).
#pragma once
#include <memory>

#include "fmkit/field/velocity_field.hpp"
#include "fmkit/nn/mlp.hpp"

namespace fm::field {

class ConditionedField : public VelocityField {
 public:
  // A usage error unless the network is conditional, γ is finite and, for γ ≠ 1, it has a null token.
  ConditionedField(std::shared_ptr<const nn::Mlp> net, double guidance = 1);
  Index dim() const override { return net_->dim() + net_->spec().condition_columns(); }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  void evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const override;
  std::string name() const override { return "mlp-conditional"; }
  double guidance() const { return guidance_; }

  // The augmented start [x₀, z] of a flow (the conditions checked, one row per point) and the
  // x-part of an augmented state.
  Mat augment(const Mat& x0, const Mat& cond) const;
  Mat points(const Mat& state) const { return state.leftCols(net_->dim()); }

 private:
  std::shared_ptr<const nn::Mlp> net_;
  double guidance_;
};

}  // namespace fm::field
