// fm-train's configuration: defaults (the schema strict merging checks keys against) and the
// parsed training options. The full default config is printed by `fm-train --dump-config`.
#pragma once
#include <set>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/nn/adam.hpp"
#include "fmkit/nn/lr_schedule.hpp"

namespace fm::train {

cfg::json train_defaults();
// Spec sections validated by their own parsers rather than by key-by-key merging.
std::set<std::string> train_opaque();

struct TrainOptions {
  long steps = 20000;
  Index batch = 256;
  nn::LrSchedule lr;
  nn::AdamOptions adam;
  double clip = 0;        // gradient-norm clipping threshold (0: off)
  double ema = 0.999;     // EMA decay of the weights (0: off)
  long eval_every = 500;  // validation period in steps
  Index val_size = 4096;  // validation pairs (drawn once)
  long patience = 0;      // stop after this many validations without improvement (0: off)
  double target_loss = 0; // stop when the validation loss reaches it (0: off)
  double target_nmse = 0; // stop when validation loss / mean square of the targets reaches it (0: off)
  long checkpoint_every = 0;  // write the run file every k steps (0: only at the end)
  int eps_grid = 16;          // Gauss–Legendre times for the true velocity error ε²
  Index eps_samples = 512;    // samples of p_t per time
  // Adam normalises its steps, so a too-large learning rate can blow the loss up by orders of
  // magnitude while it stays finite: a loss above this factor times the first loss is divergence.
  double divergence_factor = 1e6;
};

TrainOptions parse_train_options(const cfg::json& train);

// The checks that need no data or solver work: options, objective, distributions, model and
// coupling spec, so that `fm-train --dump-config` refuses what a run would refuse.
void validate_train_config(const cfg::json& config);

}  // namespace fm::train
