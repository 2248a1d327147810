// Exact fields with closed forms: the velocity / bridge drift / score of a Gaussian-mixture
// path, the a(t)x schedule velocity of the KL-bound study, and the quadrature velocity of a 1-D
// target with a known density (values only: its derivatives are not computed).
#pragma once
#include "fmkit/dist/schedule.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/path/density_path_1d.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

namespace fm::field {

class MixturePathField : public VelocityField {
 public:
  MixturePathField(std::shared_ptr<const path::GaussianMixturePath> p, path::FieldKind kind)
      : path_(std::move(p)), kind_(kind) {}
  Index dim() const override { return path_->dim(); }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  std::string name() const override;
  const path::GaussianMixturePath& path() const { return *path_; }

 private:
  std::shared_ptr<const path::GaussianMixturePath> path_;
  path::FieldKind kind_;
};

// u = a(t) x: ∇u = a I, ∇·u = d a, ∇(∇·u) = 0.
class ScheduleField : public VelocityField {
 public:
  ScheduleField(dist::Schedule s, Index d) : s_(std::move(s)), d_(d) {}
  Index dim() const override { return d_; }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  std::string name() const override { return "schedule:" + s_.name(); }
  const dist::Schedule& schedule() const { return s_; }

 private:
  dist::Schedule s_;
  Index d_;
};

class DensityPathField : public VelocityField {
 public:
  explicit DensityPathField(std::shared_ptr<const path::DensityPath1d> p) : path_(std::move(p)) {}
  Index dim() const override { return 1; }
  // Only kValue: asking for a Jacobian, divergence or ∇div is a usage error naming the field.
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  std::string name() const override { return "exact-velocity-quadrature"; }

 private:
  std::shared_ptr<const path::DensityPath1d> path_;
};

}  // namespace fm::field
