#include "fmkit/train/train_spec.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/coupling/make_coupling.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/nn/checkpoint.hpp"

namespace fm::train {

cfg::json train_defaults() {
  return cfg::json::parse(R"({
    "seed": 0,
    "source": null,
    "target": {"type": "toy2d", "name": "8gaussians"},
    "objective": {"type": "fm"},
    "coupling": {"type": "independent"},
    "data": {"replacement": true, "holdout": 0.1, "labels": false, "conditions": ""},
    "model": {"hidden": [64, 64, 64], "activation": "silu",
              "time_embedding": {"type": "sinusoidal", "frequencies": 16, "f_min": 1.0, "f_max": 10.0}},
    "train": {"steps": 20000, "batch": 256, "lr": 0.001, "schedule": "cosine", "lr_floor": 1e-5,
              "warmup": 0, "lr_every": 1, "optimizer": "adam", "beta1": 0.9, "beta2": 0.999,
              "adam_eps": 1e-8, "weight_decay": 0.0, "clip": 0.0, "ema": 0.999, "eval_every": 500,
              "val_size": 4096, "patience": 0, "target_loss": 0.0, "target_nmse": 0.0, "checkpoint_every": 0,
              "eps_grid": 16, "eps_samples": 512, "divergence_factor": 1e6,
              "precision": "float64"}
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
  const std::string opt = cfg::string(t, "optimizer", w);
  if (opt != "adam" && opt != "adamw") usage_error("train.optimizer: expected adam or adamw, got '" + opt + "'");
  o.adam.decoupled = opt == "adamw";
  o.adam.beta1 = cfg::number(t, "beta1", w);
  o.adam.beta2 = cfg::number(t, "beta2", w);
  o.adam.eps = cfg::number(t, "adam_eps", w);
  o.adam.weight_decay = cfg::number(t, "weight_decay", w);
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
  o.precision = nn::parse_precision(cfg::string(t, "precision", w), "train.precision");
  o.validate();
  return o;
}

void TrainOptions::validate() const {
  auto in = [](double x, double lo, double hi) { return x >= lo && x <= hi; };  // false for NaN
  if (!in(static_cast<double>(steps), 1, cfg::kMaxSteps)) usage_error("train.steps: expected an integer in [1, 1e9]");
  if (!in(static_cast<double>(batch), 1, cfg::kMaxPoints)) usage_error("train.batch: expected an integer in [1, 1e8]");
  lr.validate();
  adam.validate();
  if (!in(static_cast<double>(eval_every), 1, cfg::kMaxSteps)) usage_error("train.eval_every: expected an integer in [1, 1e9]");
  if (!in(static_cast<double>(val_size), 1, cfg::kMaxPoints)) usage_error("train.val_size: expected an integer in [1, 1e8]");
  if (!in(static_cast<double>(eps_grid), 1, cfg::kMaxGrid)) usage_error("train.eps_grid: expected an integer in [1, 1e6]");
  if (!in(static_cast<double>(eps_samples), 1, cfg::kMaxPoints))
    usage_error("train.eps_samples: expected an integer in [1, 1e8]");
  if (!(divergence_factor > 1)) usage_error("train.divergence_factor: expected a number > 1");
  if (!(clip >= 0) || !std::isfinite(clip)) usage_error("train.clip: expected a number >= 0");
  if (!(ema >= 0 && ema < 1)) usage_error("train.ema: expected a decay in [0, 1)");
  if (!(target_loss >= 0) || !std::isfinite(target_loss)) usage_error("train.target_loss: expected a number >= 0");
  if (!(target_nmse >= 0) || !std::isfinite(target_nmse)) usage_error("train.target_nmse: expected a number >= 0");
}

void DataOptions::validate() const {
  if (!(holdout >= 0 && holdout < 1)) usage_error("data.holdout: expected a fraction in [0, 1)");
}

void check_precision(nn::Precision p, const Objective& obj) {
  if (p == nn::Precision::Float32 && obj.type == "meanflow")
    usage_error("train.precision: float32 covers the fm, dfm and exact objectives; meanflow trains in float64 "
                "(its target's JVP has no float32 pass)");
}

TrainSpec parse_train_spec(const cfg::json& c) {
  TrainSpec s;
  s.seed = static_cast<std::uint64_t>(cfg::integer(c, "seed", ""));
  s.train = parse_train_options(cfg::at(c, "train", ""));
  s.objective = Objective::parse(cfg::at(c, "objective", ""));
  check_precision(s.train.precision, s.objective);
  s.target = cfg::at(c, "target", "");
  s.source = c.value("source", cfg::json());
  const dist::DistributionPtr target = dist::make_distribution(s.target, "target");
  if (!s.source.is_null()) dist::make_distribution(s.source, "source");
  s.model = nn::spec_from_config(cfg::at(c, "model", ""), target->dim());
  s.coupling = cfg::at(c, "coupling", "");
  coupling::validate_coupling_spec(s.coupling, "coupling", s.train.batch);
  const cfg::json& data = cfg::at(c, "data", "");
  s.data.holdout = cfg::number(data, "holdout", "data");
  s.data.replacement = cfg::boolean_or(data, "replacement", true, "data");
  s.data.labels = cfg::boolean_or(data, "labels", false, "data");
  s.data.conditions = cfg::string_or(data, "conditions", "", "data");
  if (s.data.labels && !s.data.conditions.empty())
    usage_error("data.conditions: give class labels (data.labels) or a conditions file, not both");
  s.data.validate();
  s.config = c;
  return s;
}

TrainSpec default_train_spec() {
  TrainSpec s = parse_train_spec(train_defaults());
  s.config = nullptr;
  return s;
}

}  // namespace fm::train
