#include "fmkit/nn/adam.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::nn {

void AdamOptions::validate() const {
  FM_REQUIRE(beta1 >= 0 && beta1 < 1, "train.beta1: expected a number in [0, 1)");
  FM_REQUIRE(beta2 >= 0 && beta2 < 1, "train.beta2: expected a number in [0, 1)");
  FM_REQUIRE(eps > 0, "train.adam_eps: expected a positive number");
  FM_REQUIRE(weight_decay >= 0, "train.weight_decay: expected a number >= 0");
}

Adam::Adam(Index n, AdamOptions o) : m(Vec::Zero(n)), v(Vec::Zero(n)), o_(o) { o_.validate(); }

void Adam::step(Vec& theta, const Vec& grad, double lr) {
  ++t;
  const double b1 = o_.beta1, b2 = o_.beta2;
  const double c1 = 1 - std::pow(b1, static_cast<double>(t)), c2 = 1 - std::pow(b2, static_cast<double>(t));
  if (o_.weight_decay > 0 && !o_.decoupled) {
    const Vec g = grad + o_.weight_decay * theta;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g.cwiseAbs2();
  } else {
    m = b1 * m + (1 - b1) * grad;
    v = b2 * v + (1 - b2) * grad.cwiseAbs2();
  }
  if (o_.weight_decay > 0 && o_.decoupled) theta *= 1 - lr * o_.weight_decay;
  theta.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + o_.eps);
}

}  // namespace fm::nn
