// Perturbed fields v = u + δ with a controlled error ε² = ∫₀ᵀ E_{p_t}‖δ(X,t)‖² dt
// (theory/kl_bound.md §4, dfm.md §5). Families:
//   constant     δ = β e                      (e a unit direction, default (1,…,1)/√d)   ε² = β² T
//   linear       δ = β x                                                             ε² = β² ∫ E‖X_t‖²
//   sine         δ = β sin(2πt) x                                                    ε² = β² ∫ sin²(2πt) E‖X_t‖²
//   time_local   δ = β e on a window [a, b] of t, 0 elsewhere (default [0.4, 0.6])   ε² = β² |[a,b] ∩ [0,T]|
//   sin_x        δ = β sin(ω·x) e  (nonlinear; dfm.md §5 P4)                          ε² = β² ∫ E sin²(ω·X_t)
// A requested ε is met by solving for β with the path's exact second moment E‖X_t‖².
#pragma once
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "fmkit/field/velocity_field.hpp"
#include "fmkit/path/gaussian_mixture_path.hpp"

namespace fm::field {

struct Perturbation {
  std::string type = "constant";
  double beta = 0;
  Vec direction;  // unit vector for constant/time_local
  double window_lo = 0.4, window_hi = 0.6;
  Vec omega;      // frequency vector of sin_x

  double factor(double t) const;        // the time profile multiplying β
  bool multiplies_x() const { return type == "linear" || type == "sine"; }
};

// Parses {"type", "eps" | "scale", "direction", "window", "omega"} for dimension d (β from
// "scale"; "eps" is left to the caller's calibration, whose bookkeeping differs between studies;
// whether a level is required is the caller's rule too).
Perturbation parse_perturbation(const nlohmann::json& s, Index d, const std::string& where);

// g(t) = E_{p_t}‖δ(t, X)‖² in closed form on a Gaussian-mixture path, for every family (sin_x by
// E cos(2ω·X) = cos(2ω·m) exp(−2ωᵀΣω) per block). The DFM grid sums ε² = Σ h_{k+1} g(t_k) use it.
double perturbation_mean_square(const Perturbation& p, const path::GaussianMixturePath& path, double t);

// ε² of a perturbation over [0, T], given the exact second moment m2(t) = E_{p_t}‖X‖².
// (sin_x needs the path: use perturbation_mean_square.)
double perturbation_eps2(const Perturbation& p, const std::function<double(double)>& m2, double T = 1.0);
// Sets p.beta ≥ 0 so that eps2_of(p) = eps², using ε²(β) = β² ε²(1) (true of every family).
// eps2_of is the bookkeeping in use: the integral above, or a DFM grid sum.
void calibrate(Perturbation& p, double eps, const std::function<double(const Perturbation&)>& eps2_of);

class PerturbedField : public VelocityField {
 public:
  PerturbedField(FieldPtr base, Perturbation p);
  Index dim() const override { return base_->dim(); }
  void evaluate(const Mat& x, double t, unsigned want, Derivs& out) const override;
  std::string name() const override { return base_->name() + "+" + p_.type; }
  const Perturbation& perturbation() const { return p_; }

 private:
  FieldPtr base_;
  Perturbation p_;
};

}  // namespace fm::field
