// A trained MLP as a VelocityField. Output "direct": v(x,t) = MLP(x,t) (FM velocity or DFM drift);
// "denoiser": the network predicts D ≈ E[X₁|X_t = x] and the drift is s = (D − x)/(1 − t)
// (theory/dfm.md §1.4), with ∇s = (∇D − I)/(1 − t), ∇·s = (∇·D − d)/(1 − t), ∇(∇·s) = ∇(∇·D)/(1 − t).
#pragma once
#include <memory>

#include "fmkit/field/model.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/nn/mlp.hpp"

namespace fm::field {

class MlpField : public VelocityField {
 public:
  enum class Output { Direct, Denoiser };
  MlpField(std::shared_ptr<const nn::Mlp> mlp, Output output = Output::Direct)
      : mlp_(std::move(mlp)), output_(output) {}
  Index dim() const override { return mlp_->dim(); }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  void evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const override;
  std::string name() const override { return output_ == Output::Direct ? "mlp" : "mlp-denoiser"; }
  const nn::Mlp& mlp() const { return *mlp_; }

 private:
  std::shared_ptr<const nn::Mlp> mlp_;
  Output output_;
};

// An ODE model of a network trained as an FM velocity from the N(0, I) source (no exact path).
Model velocity_model(const nn::Mlp& net);

}  // namespace fm::field
