// Adam and AdamW on a flat parameter vector. Weight decay is L2 added to the gradient (Adam, as
// the KL-bound study trained) or decoupled (AdamW: θ ← θ − lr·wd·θ).
#pragma once
#include "fmkit/core/types.hpp"

namespace fm::nn {

struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled = false;  // true: AdamW
  void validate() const;
};

class Adam {
 public:
  Adam(Index n, AdamOptions o);
  void step(Vec& theta, const Vec& grad, double lr);
  const AdamOptions& options() const { return o_; }
  Vec m, v;
  long t = 0;  // steps taken (for bias correction)

 private:
  AdamOptions o_;
};

}  // namespace fm::nn
