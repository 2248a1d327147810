#include "fmkit/study/sdfm_training.hpp"

#include <variant>

#include "fmkit/core/error.hpp"
#include "fmkit/integrate/conditional_sampling.hpp"

namespace fm::study {

using cfg::json;

train::TrainSpec dataset_train(const json& tr, const json& d, const std::string& wd) {
  json t = tr;
  if (d.contains("train")) {
    const json& o = d["train"];
    if (!o.is_object()) usage_error(wd + ".train: expected an object of config.train keys");
    cfg::expect_keys(o, wd + ".train", {"steps", "batch", "hidden", "lr", "ema", "time_embedding", "precision"});
    t.merge_patch(o);  // objects (time_embedding) key by key, like --set; lists replaced whole
  }
  json full = train::train_defaults();
  for (const char* k : {"steps", "batch", "lr", "ema", "precision"}) full["train"][k] = t[k];
  full["train"]["eval_every"] = t["steps"];  // one validation, at the end
  full["train"]["val_size"] = 1024;
  full["model"]["hidden"] = t["hidden"];
  full["model"]["time_embedding"] = t["time_embedding"];
  // The training points are the dataset's own standardised split, used without replacement.
  full["data"] = {{"replacement", false}, {"holdout", 0.0}};
  // The parsers name their keys train.* and model.*; say which dataset's recipe it was.
  try {
    train::TrainSpec spec = train::parse_train_spec(full);
    spec.config = nullptr;
    return spec;
  } catch (const Error& e) {
    usage_error((d.contains("train") ? wd + ".train (over config.train)" : std::string("config.train")) + ": " + e.what());
  }
}

void training_columns(const train::TrainResult& res, const io::Summary& ts, io::Table& table) {
  table.set("final_train_loss", res.train_loss);
  for (const auto& [k, val] : ts.items())
    if (k == "pairing_s_per_pair" || k.rfind("sd_", 0) == 0 || k.rfind("sinkhorn_", 0) == 0 || k == "wall_time_s")
      std::visit([&, &k = k](const auto& x) { table.set(k == "wall_time_s" ? "train_wall_s" : k, x); }, val);
}

train::Trainer train_with_conditions(const train::TrainSpec& base, std::uint64_t seed, const json& coupling,
                                     const Mat& points, const dist::Conditions& z, const std::string& what,
                                     train::TrainResult& res) {
  train::TrainSpec spec = base;
  spec.seed = seed;
  spec.coupling = coupling;
  train::Trainer trainer(std::move(spec), points, z);
  res = trainer.run("", {"fm-sdfm-study", seed});
  if (!res.ok()) runtime_error(what + ", seed " + std::to_string(seed) + ": " + res.stop_reason);
  return trainer;
}

void conditional_flows(const field::ConditionedField& v, const Mat& x0, const Mat& cond, const std::vector<long>& euler,
                       bool dopri5, const FlowRow& row) {
  integrate::FlowOptions fo;
  fo.method = integrate::Method::Euler;
  for (long k : euler) {
    fo.nfe = k;
    row("euler", k, integrate::integrate_conditional(v, x0, cond, fo));
  }
  if (!dopri5) return;
  fo.method = integrate::Method::Dopri5;
  fo.dopri = {1e-5, 1e-5, 10000, 0};
  const integrate::FlowResult f = integrate::integrate_conditional(v, x0, cond, fo);
  row("dopri5", f.nfe_max, f);
}

}  // namespace fm::study
