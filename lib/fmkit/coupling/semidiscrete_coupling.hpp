// The semidiscrete coupling (theory/sdfm.md §3): a potential g is fitted once on the finite
// training set (dual SGD to a χ² target, the precompute), then every step draws fresh noises x0
// and pairs each with one atom: ε = 0 the argmax cell by exact MIPS, ε > 0 one categorical draw
// from the softmax s_{ε,g}(x0) (inverse CDF with one uniform per noise).
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/coupling/coupling.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/semidiscrete.hpp"

namespace fm::coupling {

// The potential-fitting part of a semidiscrete spec {"eps_rel" (0), "target_chi2" (0.05), "steps",
// "batch", "lr"} (also used by the oracle-velocity study); the absolute ε is left to the caller.
struct SemidiscreteSpec {
  double eps_rel = 0;
  ot::SemidiscreteOptions opts;
};
SemidiscreteSpec parse_semidiscrete_spec(const cfg::json& spec, const std::string& where);

class SemidiscreteCoupling : public Coupling {
 public:
  // spec: {"type": "semidiscrete", "eps_rel" (0), "target_chi2" (0.05), "steps", "batch", "lr"}
  SemidiscreteCoupling(const cfg::json& spec, dist::DistributionPtr source, const TargetSampler& target,
                       std::uint64_t seed);
  void draw(long step, Index n, PairBatch& out) override;
  std::string name() const override { return "semidiscrete"; }
  void diagnostics(io::Summary& s) const override;
  const ot::SemidiscreteResult& potential() const { return fit_; }

 private:
  dist::DistributionPtr source_;
  Mat y_;
  Vec b_;
  double eps_ = 0, eps_rel_ = 0;
  std::uint64_t seed_;
  ot::SemidiscreteResult fit_;
  Estimate w2sq_dual_;  // ε = 0: the dual lower bound on W2²(μ, ν_N) at the fitted g
  std::unique_ptr<ot::Mips> mips_;
};

}  // namespace fm::coupling
