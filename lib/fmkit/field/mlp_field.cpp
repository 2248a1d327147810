#include "fmkit/field/mlp_field.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/dist/gaussian.hpp"

namespace fm::field {

MlpField::MlpField(std::shared_ptr<const nn::Mlp> mlp, Output output, nn::Precision precision)
    : mlp_(std::move(mlp)), output_(output), precision_(precision) {
  if (precision_ == nn::Precision::Float32) p32_ = mlp_->params().cast<float>();
}

void MlpField::evaluate(const Mat& x, double t, unsigned want, Derivs& out) const {
  evaluate_rows(x, Vec::Constant(x.rows(), t), want, out);
}

void MlpField::evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const {
  if (precision_ == nn::Precision::Float32 && want == kValue)
    out.value = mlp_->forward_f32(p32_, x, t).cast<double>();
  else
    mlp_->evaluate(x, t, want, out);
  if (output_ == Output::Direct) return;
  if (!(t.array() < 1).all()) runtime_error("denoiser drift is undefined at t = 1 (sample on a grid that stops before 1)");
  const Vec c = (1.0 - t.array()).inverse();
  const Index d = dim();
  if (want & kValue) out.value = (out.value - x).array().colwise() * c.array();
  if (want & kJacobian) {
    for (Index k = 0; k < d; ++k) out.jac.col(k * d + k).array() -= 1.0;
    out.jac = out.jac.array().colwise() * c.array();
  }
  if (want & kDivergence) out.div = c.cwiseProduct(Vec(out.div.array() - static_cast<double>(d)));
  if (want & kGradDiv) out.grad_div = out.grad_div.array().colwise() * c.array();
}

Model with_precision(const Model& m, nn::Precision p, const std::string& where) {
  if (p == nn::Precision::Float64) return m;
  if (m.conditional || m.mean_flow)
    usage_error(where + ": float32 covers unconditional velocity and drift networks; " +
                (m.conditional ? "a conditional" : "a mean-flow") + " model samples in float64");
  Model out = m;
  bool any = false;
  for (FieldPtr* f : {&out.velocity, &out.drift}) {
    const auto mlp = std::dynamic_pointer_cast<const MlpField>(*f);
    if (!mlp) continue;
    *f = std::make_shared<MlpField>(mlp->shared_mlp(), mlp->output(), p);
    any = true;
  }
  if (!any) usage_error(where + ": float32 needs a trained network (an fm-train run file); this model is analytic");
  return out;
}

Model velocity_model(const nn::Mlp& net) {
  Model m;
  m.dim = net.dim();
  m.velocity = std::make_shared<MlpField>(std::make_shared<nn::Mlp>(net));
  m.source = std::make_shared<dist::Gaussian>(dist::Gaussian::standard(net.dim()));
  return m;
}

}  // namespace fm::field
