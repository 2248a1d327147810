// A model trained by fm-train, loaded from its run file: the MLP (EMA weights by default) as the
// ODE velocity (fm/exact objectives) or the SDE drift (dfm; denoiser outputs converted), the
// source of its config, and the exact path when its config's target has a closed form.
#pragma once
#include <string>

#include "fmkit/field/model.hpp"

namespace fm::field {

// `weights`: "ema" (the averaged weights, default) or "raw" (the last iterate).
// A missing, truncated or foreign file is a usage error naming it.
Model load_trained_model(const std::string& path, const std::string& weights = "ema");

}  // namespace fm::field
