// Sampling a conditional model (theory/sdfm_variants.md §1): the conditions of n samples from a
// spec, and the flow of a ConditionedField from source noise with each row's condition.
#pragma once
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/field/conditioned_field.hpp"
#include "fmkit/integrate/flow.hpp"

namespace fm::integrate {

// The raw condition block (n rows) a spec asks for, checked against the network: a label (or, for
// a continuous condition, a vector) for every row; "cycle" (row i gets class i mod classes); a list
// of n labels; or a point file (.npy, .csv, file.h5:/ds) of n rows. A usage error naming `where`
// otherwise; null is an error too (a conditional model needs its conditions).
Mat resolve_conditions(const cfg::json& spec, const nn::MlpSpec& net, Index n, const std::string& where);

// The flow of v from x₀ with conditions `cond` (one row per point), returned in x-space (the
// trajectories too).
FlowResult integrate_conditional(const field::ConditionedField& v, const Mat& x0, const Mat& cond, const FlowOptions& opts);

}  // namespace fm::integrate
