#include "fmkit/nn/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm::nn {

void LrSchedule::validate() const {
  if (type != "constant" && type != "cosine" && type != "linear")
    usage_error("train.schedule: unknown schedule '" + type + "' (expected constant, cosine or linear)");
  FM_REQUIRE(lr > 0 && std::isfinite(lr), "train.lr: expected a positive number");
  FM_REQUIRE(floor >= 0 && floor <= lr, "train.lr_floor: expected a number in [0, lr]");
  FM_REQUIRE(warmup >= 0, "train.warmup: expected an integer >= 0");
  FM_REQUIRE(every >= 1, "train.lr_every: expected an integer >= 1");
  FM_REQUIRE(total >= 1, "train.steps: expected a positive integer");
}

double LrSchedule::at(long step) const {
  double scale = 1.0;
  if (warmup > 0 && step < warmup) scale = static_cast<double>(step + 1) / static_cast<double>(warmup);
  const long s = (step / every) * every;
  const double frac = std::min(1.0, static_cast<double>(s) / static_cast<double>(total));
  double base = lr;
  if (type == "cosine") base = floor + (lr - floor) * 0.5 * (1 + std::cos(std::numbers::pi * frac));
  else if (type == "linear") base = lr + (floor - lr) * frac;
  return scale * base;
}

}  // namespace fm::nn
