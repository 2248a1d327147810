// The VelocityField interface: value, Jacobian, divergence and ∇div on a batch, in one call
// whose flags say what is needed (so the CNF pays for derivatives and samplers do not).
#pragma once
#include <memory>
#include <string>

#include "fmkit/core/derivatives.hpp"

namespace fm::field {

class VelocityField {
 public:
  virtual ~VelocityField() = default;
  virtual Index dim() const = 0;
  virtual void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const = 0;
  virtual std::string name() const = 0;
  // Evaluation with one time per row (training losses, where every pair has its own t). The
  // default evaluates row by row; batched fields (the MLP) override it.
  virtual void evaluate_rows(const Mat& x, const Vec& t, unsigned want, Derivs& out) const;

  Mat value(const Mat& x, double t) const;
  Mat jacobian(const Mat& x, double t) const;  // n × d², row-major per point
  Vec divergence(const Mat& x, double t) const;
  Mat grad_div(const Mat& x, double t) const;
};

using FieldPtr = std::shared_ptr<const VelocityField>;

}  // namespace fm::field
