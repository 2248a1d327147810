// The Coupling interface: how training pairs (x₀, x₁) are drawn. Independent pairs now; minibatch
// OT (exact, Sinkhorn) and semidiscrete couplings implement the same interface. A coupling may
// hold the whole data set, draws fresh source noise each step, and reports its own pairing time
// and diagnostics (marginal error, entropy, χ²) into the run summary. With a labelled target every
// coupling pairs within a class (theory/sdfm_variants.md §1): independent pairs draw x₁ with its
// label, minibatch OT solves one problem per class of the batch, semidiscrete pairs x₀ with an atom of
// its source class.
#pragma once
#include <string>
#include <vector>

#include "fmkit/coupling/target_sampler.hpp"
#include "fmkit/io/summary.hpp"

namespace fm::coupling {

struct PairBatch {
  Mat x0, x1;
  dist::Conditions z;  // a conditional run's condition of each pair (the condition x₁ was drawn with)
};

class Coupling {
 public:
  virtual ~Coupling() = default;
  // The n pairs of training step `step`; deterministic in (seed, step).
  virtual void draw(long step, Index n, PairBatch& out) = 0;
  virtual std::string name() const = 0;
  // Adds pairing time and coupling-specific diagnostics to a summary.
  virtual void diagnostics(io::Summary& s) const;
  // The accumulators behind diagnostics(), saved in a checkpoint, so a resumed run's summary counts
  // every step, not only those after the resume.
  virtual std::vector<double> counters() const { return {seconds_, static_cast<double>(pairs_)}; }
  virtual void restore_counters(const std::vector<double>& c);

 protected:
  double seconds_ = 0;  // time spent pairing (excluding drawing)
  long pairs_ = 0;
};

class IndependentCoupling : public Coupling {
 public:
  IndependentCoupling(dist::DistributionPtr source, TargetSampler target, std::uint64_t seed);
  void draw(long step, Index n, PairBatch& out) override;
  std::string name() const override { return "independent"; }

 private:
  dist::DistributionPtr source_;
  TargetSampler target_;
  std::uint64_t seed_;
};

}  // namespace fm::coupling
