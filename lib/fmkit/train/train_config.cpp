#include "fmkit/train/train_config.hpp"

#include <algorithm>

#include "fmkit/core/error.hpp"

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
  o.steps = cfg::integer(t, "steps", w);
  o.batch = cfg::integer(t, "batch", w);
  if (o.steps < 1) usage_error("train.steps: expected a positive integer");
  if (o.batch < 1) usage_error("train.batch: expected a positive integer");
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
  o.eval_every = cfg::integer(t, "eval_every", w);
  o.val_size = cfg::integer(t, "val_size", w);
  o.patience = cfg::integer(t, "patience", w);
  o.target_loss = cfg::number(t, "target_loss", w);
  o.target_nmse = cfg::number(t, "target_nmse", w);
  o.checkpoint_every = cfg::integer(t, "checkpoint_every", w);
  o.eps_grid = static_cast<int>(cfg::integer(t, "eps_grid", w));
  o.eps_samples = cfg::integer(t, "eps_samples", w);
  o.divergence_factor = cfg::number(t, "divergence_factor", w);
  if (!(o.divergence_factor > 1)) usage_error("train.divergence_factor: expected a number > 1");
  if (o.clip < 0) usage_error("train.clip: expected a number >= 0");
  if (o.ema < 0 || o.ema >= 1) usage_error("train.ema: expected a decay in [0, 1)");
  if (o.eval_every < 1) usage_error("train.eval_every: expected a positive integer");
  if (o.val_size < 1) usage_error("train.val_size: expected a positive integer");
  if (o.patience < 0 || o.checkpoint_every < 0) usage_error("train.patience and train.checkpoint_every must be >= 0");
  if (o.eps_grid < 1 || o.eps_samples < 1) usage_error("train.eps_grid and train.eps_samples must be positive");
  return o;
}

}  // namespace fm::train
