// A two-time MLP trained by the mean-flow objective, as the average velocity U(x, t, s) its
// sampler steps with. The same network is an ordinary velocity field through U(x, t, t) (MlpField
// evaluates a two-time net at s = t), with exact x-derivatives like every model.
#pragma once
#include <memory>

#include "fmkit/field/average_velocity.hpp"
#include "fmkit/nn/mlp.hpp"

namespace fm::field {

class MlpMeanFlow : public AverageVelocity {
 public:
  explicit MlpMeanFlow(std::shared_ptr<const nn::Mlp> mlp);
  Index dim() const override { return mlp_->dim(); }
  Mat average(const Mat& x, const Vec& t, const Vec& s) const override { return mlp_->forward(x, t, s); }
  std::string name() const override { return "mlp-mean-flow"; }

 private:
  std::shared_ptr<const nn::Mlp> mlp_;
};

}  // namespace fm::field
