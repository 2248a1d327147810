// Exponential moving average of the weights, θ̄ ← β θ̄ + (1 − β) θ, started at the initial
// weights. (Not the reversed 0.99·new + 0.01·old that smooths nothing.)
#pragma once
#include "fmkit/core/types.hpp"

namespace fm::nn {

struct Ema {
  double decay = 0.999;  // 0 disables: the average is the current weights
  Vec shadow;
  void update(const Vec& theta) {
    if (shadow.size() != theta.size() || decay == 0) shadow = theta;
    else shadow = decay * shadow + (1 - decay) * theta;
  }
};

}  // namespace fm::nn
