// Exact fields with closed forms: the velocity / bridge drift / score of a Gaussian-mixture
// path, the a(t)x schedule velocity of the KL-bound study, and the quadrature velocity of a 1-D
// target with a known density (values only: its derivatives are not computed).
#pragma once
#include <functional>
#include <string>

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

// u = a(t) x for any rate a: ∇u = a I, ∇·u = d a, ∇(∇·u) = 0.
class LinearRateField : public VelocityField {
 public:
  LinearRateField(std::function<double(double)> a, Index d, std::string name)
      : a_(std::move(a)), d_(d), name_(std::move(name)) {}
  Index dim() const override { return d_; }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  std::string name() const override { return name_; }

 private:
  std::function<double(double)> a_;
  Index d_;
  std::string name_;
};

// The exact velocity of a named schedule path (dist/schedule.hpp).
class ScheduleField : public LinearRateField {
 public:
  ScheduleField(const dist::Schedule& s, Index d)
      : LinearRateField([s](double t) { return s.a(t); }, d, "schedule:" + s.name()), s_(s) {}
  const dist::Schedule& schedule() const { return s_; }

 private:
  dist::Schedule s_;
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
