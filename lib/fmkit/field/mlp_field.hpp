// A trained MLP as a VelocityField. Output "direct": v(x,t) = MLP(x,t) (FM velocity or DFM drift);
// "denoiser": the network predicts D ≈ E[X₁|X_t = x] and the drift is s = (D − x)/(1 − t)
// (theory/dfm.md §1.4), with ∇s = (∇D − I)/(1 − t), ∇·s = (∇·D − d)/(1 − t), ∇(∇·s) = ∇(∇·D)/(1 − t).
// With Precision::Float32, value-only evaluations (sampling) run the network in float32; any
// evaluation that asks for derivatives (the CNF, the bounds) runs wholly in float64, value included,
// so exact derivatives and the values they go with stay float64.
#pragma once
#include <memory>

#include "fmkit/field/model.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/nn/mlp.hpp"

namespace fm::field {

class MlpField : public VelocityField {
 public:
  enum class Output { Direct, Denoiser };
  MlpField(std::shared_ptr<const nn::Mlp> mlp, Output output = Output::Direct,
           nn::Precision precision = nn::Precision::Float64);
  Index dim() const override { return mlp_->dim(); }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  void evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const override;
  std::string name() const override { return output_ == Output::Direct ? "mlp" : "mlp-denoiser"; }
  const nn::Mlp& mlp() const { return *mlp_; }
  const std::shared_ptr<const nn::Mlp>& shared_mlp() const { return mlp_; }
  Output output() const { return output_; }
  nn::Precision precision() const { return precision_; }

 private:
  std::shared_ptr<const nn::Mlp> mlp_;
  Output output_;
  nn::Precision precision_;
  nn::VecF p32_;  // the weights in float32 (Float32 only)
};

// The model with its MLP velocity and drift evaluated in `p` (value-only evaluations; see MlpField).
// Float32 needs a trained unconditional MLP velocity or drift (not an analytic, conditional or
// mean-flow model): a usage error naming `where` otherwise.
Model with_precision(const Model& m, nn::Precision p, const std::string& where);

// An ODE model of a network trained as an FM velocity from the N(0, I) source (no exact path).
Model velocity_model(const nn::Mlp& net);

}  // namespace fm::field
