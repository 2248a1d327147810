// One entry point for every program that takes --model: an inline analytic spec (JSON object),
// a path to a spec (.json), or a run file written by fm-train (.h5).
#pragma once
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/field/model.hpp"

namespace fm::field {

Model load_model(const cfg::json& model, const std::string& weights = "ema");

}  // namespace fm::field
