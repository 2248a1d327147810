// The a(t)x Gaussian path family of the KL-bound study (theory/kl_bound.md §4a): source N(0, I),
// exact velocity u = a(t)x, marginal p_t = N(0, e^{2A(t)} I) with A(t) = ∫₀ᵗ a.
//   a1: a = sin πt            a2: a = 0.3 sin 2πt + 0.2          a3: a = t − ½
#pragma once
#include <string>

#include "fmkit/dist/distribution.hpp"

namespace fm::dist {

class Schedule {
 public:
  explicit Schedule(const std::string& name, const std::string& where = "schedule");
  double a(double t) const;
  double A(double t) const;  // ∫₀ᵗ a
  double sigma(double t) const;  // e^{A(t)}, the std of p_t
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  int id_ = 1;
};

// p_t of a schedule path in dimension d, as a distribution (t = 1: the study's target).
class ScheduleMarginal : public Distribution {
 public:
  ScheduleMarginal(Schedule s, Index d, double t = 1.0) : s_(std::move(s)), d_(d), t_(t) {}
  Index dim() const override { return d_; }
  Mat sample(Index n, Rng& rng) const override;
  bool has_density() const override { return true; }
  Vec log_density(const Mat& x) const override;
  Mat score(const Mat& x) const override;
  std::string name() const override { return "schedule:" + s_.name(); }
  const Schedule& schedule() const { return s_; }

 private:
  Schedule s_;
  Index d_;
  double t_;
};

}  // namespace fm::dist
