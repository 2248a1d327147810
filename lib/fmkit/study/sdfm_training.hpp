// The SD-FM study's training side: each dataset's recipe, parsed into a TrainSpec before any work,
// and the training run's columns beside every scored row.
#pragma once
#include <string>

#include "fmkit/core/config.hpp"
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

}  // namespace fm::study
