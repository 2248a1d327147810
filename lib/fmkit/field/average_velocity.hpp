// The average velocity of a flow over an interval (theory/sdfm_variants.md §2): for t ≤ s and the
// flow ψ of the marginal velocity v,
//   U(x, t, s) = (ψ_s(ψ_t⁻¹(x)) − x)/(s − t),   U(x, t, t) = v(x, t),
// what a mean-flow model learns and what a k-step mean-flow sampler steps with.
#pragma once
#include <memory>
#include <string>

#include "fmkit/core/types.hpp"

namespace fm::field {

class AverageVelocity {
 public:
  virtual ~AverageVelocity() = default;
  virtual Index dim() const = 0;
  // U at every row of x, with that row's interval [t_i, s_i] (t_i ≤ s_i).
  virtual Mat average(const Mat& x, const Vec& t, const Vec& s) const = 0;
  virtual std::string name() const = 0;
};

using AverageVelocityPtr = std::shared_ptr<const AverageVelocity>;

}  // namespace fm::field
