#include "fmkit/train/train_config.hpp"

#include <algorithm>

#include "fmkit/core/error.hpp"
#include "fmkit/coupling/make_coupling.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/nn/checkpoint.hpp"
#include "fmkit/train/objective.hpp"

namespace fm::train {

cfg::json train_defaults() {
  return cfg::json::parse(R"({
    "seed": 0,
    "source": null,
    "target": {"type": "toy2d", "name": "8gaussians"},
    "objective": {"type": "fm"},
    "coupling": {"type": "independent"},
    "data": {"replacement": true, "holdout": 0.1},
    "model": {"hidden": [64, 64, 64], "activation": "silu",
              "time_embedding": {"type": "sinusoidal", "frequencies": 16, "f_min": 1.0, "f_max": 10.0}},
    "train": {"steps": 20000, "batch": 256, "lr": 0.001, "schedule": "cosine", "lr_floor": 1e-5,
              "warmup": 0, "lr_every": 1, "optimizer": "adam", "beta1": 0.9, "beta2": 0.999,
              "adam_eps": 1e-8, "weight_decay": 0.0, "clip": 0.0, "ema": 0.999, "eval_every": 500,
              "val_size": 4096, "patience": 0, "target_loss": 0.0, "target_nmse": 0.0, "checkpoint_every": 0,
              "eps_grid": 16, "eps_samples": 512, "divergence_factor": 1e6}
  })");
}

std::set<std::string> train_opaque() { return {"source", "target", "objective", "coupling"}; }

TrainOptions parse_train_options(const cfg::json& t) {
  const std::string w = "train";
  TrainOptions o;
  o.steps = cfg::count(t, "steps", w, 1, cfg::kMaxSteps);
  o.batch = cfg::count(t, "batch", w, 1, cfg::kMaxPoints);
  o.lr.type = cfg::string(t, "schedule", w);
  o.lr.lr = cfg::number(t, "lr", w);
  o.lr.floor = cfg::number(t, "lr_floor", w);
  // A constant schedule never reaches its floor: do not reject a small lr over the default floor.
  if (o.lr.type == "constant") o.lr.floor = std::min(o.lr.floor, o.lr.lr);
  o.lr.warmup = cfg::integer(t, "warmup", w);
  o.lr.every = cfg::integer(t, "lr_every", w);
  o.lr.total = o.steps;
  o.lr.validate();
  const std::string opt = cfg::string(t, "optimizer", w);
  if (opt != "adam" && opt != "adamw") usage_error("train.optimizer: expected adam or adamw, got '" + opt + "'");
  o.adam.decoupled = opt == "adamw";
  o.adam.beta1 = cfg::number(t, "beta1", w);
  o.adam.beta2 = cfg::number(t, "beta2", w);
  o.adam.eps = cfg::number(t, "adam_eps", w);
  o.adam.weight_decay = cfg::number(t, "weight_decay", w);
  o.adam.validate();
  o.clip = cfg::number(t, "clip", w);
  o.ema = cfg::number(t, "ema", w);
  o.eval_every = cfg::count(t, "eval_every", w, 1, cfg::kMaxSteps);
  o.val_size = cfg::count(t, "val_size", w, 1, cfg::kMaxPoints);
  o.patience = cfg::count(t, "patience", w, 0, cfg::kMaxSteps);
  o.target_loss = cfg::number(t, "target_loss", w);
  o.target_nmse = cfg::number(t, "target_nmse", w);
  o.checkpoint_every = cfg::count(t, "checkpoint_every", w, 0, cfg::kMaxSteps);
  o.eps_grid = static_cast<int>(cfg::count(t, "eps_grid", w, 1, cfg::kMaxGrid));
  o.eps_samples = cfg::count(t, "eps_samples", w, 1, cfg::kMaxPoints);
  o.divergence_factor = cfg::number(t, "divergence_factor", w);
  if (!(o.divergence_factor > 1)) usage_error("train.divergence_factor: expected a number > 1");
  if (o.clip < 0) usage_error("train.clip: expected a number >= 0");
  if (o.ema < 0 || o.ema >= 1) usage_error("train.ema: expected a decay in [0, 1)");
  return o;
}

void validate_train_config(const cfg::json& c) {
  cfg::integer(c, "seed", "");
  parse_train_options(c["train"]);
  Objective::parse(c["objective"]);
  const dist::DistributionPtr target = dist::make_distribution(c["target"], "target");
  if (!c["source"].is_null()) dist::make_distribution(c["source"], "source");
  nn::spec_from_config(c["model"], target->dim());
  coupling::validate_coupling_spec(c["coupling"], "coupling");
  const double holdout = cfg::number(c["data"], "holdout", "data");
  if (!(holdout >= 0 && holdout < 1)) usage_error("data.holdout: expected a fraction in [0, 1)");
  cfg::boolean_or(c["data"], "replacement", true, "data");
}

}  // namespace fm::train
