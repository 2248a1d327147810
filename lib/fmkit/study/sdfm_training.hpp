// The SD-FM study's training side: each dataset's recipe, parsed into a TrainSpec before any work,
// and the training run's columns beside every scored row.
#pragma once
#include <string>

#include <functional>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/conditions.hpp"
#include "fmkit/field/conditioned_field.hpp"
#include "fmkit/integrate/flow.hpp"
#include "fmkit/io/summary.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/train/train_spec.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {

// A dataset's training recipe: `train` (the study's config.train) with the dataset's own "train"
// keys on top, parsed into the spec every run of the dataset starts from.
train::TrainSpec dataset_train(const cfg::json& train, const cfg::json& d, const std::string& where);

// The training run's columns of a model's rows: final loss, wall time and the coupling's own
// figures (pairing cost, SD potential, Sinkhorn diagnostics).
void training_columns(const train::TrainResult& res, const io::Summary& ts, io::Table& table);

// One run of a conditional block: the dataset's spec with this seed and coupling, on standardised
// points and their conditions in memory; a diverged run is a runtime error naming `what`.
train::Trainer train_with_conditions(const train::TrainSpec& base, std::uint64_t seed, const cfg::json& coupling,
                                     const Mat& points, const dist::Conditions& z, const std::string& what,
                                     train::TrainResult& res);

// The flows of v from x0 with conditions `cond` at every Euler NFE, then by Dopri5 (rtol = atol =
// 1e-5) when asked; `row(solver, nfe, flow)` after each.
using FlowRow = std::function<void(const std::string& solver, long nfe, const integrate::FlowResult& flow)>;
void conditional_flows(const field::ConditionedField& v, const Mat& x0, const Mat& cond, const std::vector<long>& euler,
                       bool dopri5, const FlowRow& row);

}  // namespace fm::study
