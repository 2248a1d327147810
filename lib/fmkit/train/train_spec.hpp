// What a training run is, typed: fm-train's JSON config is parsed into a TrainSpec once, at the
// program's edge (parse_train_spec, which checks every key and range), and studies build one in
// code. The JSON defaults below are the one source of the defaults: the strict merge checks user
// keys against them, and default_train_spec() is their parse. `fm-train --dump-config` prints them.
#pragma once
#include <cstdint>
#include <set>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/nn/adam.hpp"
#include "fmkit/nn/lr_schedule.hpp"
#include "fmkit/nn/mlp.hpp"
#include "fmkit/train/objective.hpp"

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
  // The arithmetic of the network's forward and backward passes (nn/precision.hpp): float32 runs
  // the GEMMs in single precision and keeps float64 weights, Adam moments and EMA.
  nn::Precision precision = nn::Precision::Float64;
  void validate() const;  // every field, naming its config key (train.*)
};

TrainOptions parse_train_options(const cfg::json& train);

// How a finite training set is used: the fraction held out for validation (0: validate on the
// training points), whether batches draw with replacement (else epochs of a permutation), and
// whether the model is conditioned on class labels.
struct DataOptions {
  double holdout = 0.1;
  bool replacement = true;
  // Condition the model on the target's class labels (a mixture's component, a toy's mode, a data
  // file's "labels" column): every coupling then pairs within a class.
  bool labels = false;
  // Or continuous conditions: a point file (.npy, .csv, file.h5:/ds) with one condition row per
  // point of a dataset target, in the same order.
  std::string conditions;
  void validate() const;
};

struct TrainSpec {
  std::uint64_t seed = 0;
  // Distribution specs (dist::make_distribution). A null source is N(0, I). The target is what
  // the trainer samples when it is not given points in memory; a dataset target's points are
  // loaded once and used as such.
  cfg::json source;
  cfg::json target;
  Objective objective;
  cfg::json coupling;  // coupling::make_coupling's spec
  nn::MlpSpec model;   // model.dim is set from the data by the trainer
  TrainOptions train;
  DataOptions data;
  // The config the spec was parsed from, written as the run file's /config; null for a spec
  // built in code (a study's run, which writes no run file).
  cfg::json config;
};

// The spec of a resolved fm-train config: every check that needs no data or solver work
// (options, objective, distributions, model, coupling spec), so that `fm-train --dump-config`
// refuses what a run would refuse.
TrainSpec parse_train_spec(const cfg::json& config);

// A usage error unless the objective has a pass in that precision (meanflow is float64 only).
void check_precision(nn::Precision p, const Objective& obj);

// The parse of train_defaults(): the spec studies start from.
TrainSpec default_train_spec();

}  // namespace fm::train
