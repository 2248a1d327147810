#include "fmkit/nn/checkpoint.hpp"

#include "fmkit/core/error.hpp"

namespace fm::nn {

MlpSpec spec_from_config(const cfg::json& model, Index dim, const std::string& where) {
  cfg::expect_keys(model, where, {"hidden", "activation", "time_embedding"});
  MlpSpec s;
  s.dim = dim;
  s.hidden.clear();
  const Vec h = cfg::vector(model, "hidden", where);
  if (h.size() == 0 || h.size() > 1000) usage_error(where + ".hidden: expected 1 to 1000 hidden layers");
  for (Index i = 0; i < h.size(); ++i) {
    if (!(h[i] >= 1 && h[i] <= static_cast<double>(cfg::kMaxDim)) || h[i] != std::floor(h[i]))
      usage_error(where + ".hidden: widths must be integers in [1, " + std::to_string(cfg::kMaxDim) + "]");
    s.hidden.push_back(static_cast<Index>(h[i]));
  }
  s.activation = parse_activation(cfg::string(model, "activation", where), where + ".activation");
  const std::string we = where + ".time_embedding";
  const cfg::json& e = cfg::at(model, "time_embedding", where);
  cfg::expect_keys(e, we, {"type", "frequencies", "f_min", "f_max"});
  s.embedding.type = cfg::string(e, "type", we);
  s.embedding.frequencies = static_cast<int>(e.contains("frequencies") ? cfg::count(e, "frequencies", we, 1, cfg::kMaxDim) : 16);
  s.embedding.f_min = cfg::number_or(e, "f_min", 1.0, we);
  s.embedding.f_max = cfg::number_or(e, "f_max", 10.0, we);
  s.embedding.validate(we);
  return s;
}

cfg::json spec_to_json(const MlpSpec& s) {
  std::vector<long long> hidden(s.hidden.begin(), s.hidden.end());
  cfg::json j = {{"dim", s.dim},
          {"hidden", hidden},
          {"activation", to_string(s.activation)},
          {"time_embedding",
           {{"type", s.embedding.type},
            {"frequencies", s.embedding.frequencies},
            {"f_min", s.embedding.f_min},
            {"f_max", s.embedding.f_max}}}};
  if (s.times != 1) j["times"] = s.times;  // absent for a one-time net (run files before mean flows)
  // Absent for an unconditional net (run files before conditions).
  if (s.classes > 0) j["classes"] = s.classes;
  if (s.cond_dim > 0) j["cond_dim"] = s.cond_dim;
  if (s.null_token) j["null_token"] = true;
  return j;
}

MlpSpec spec_from_json(const cfg::json& j) {
  cfg::json model = j;
  const long long dim = cfg::integer(j, "dim", "model spec");
  model.erase("dim");
  const long long times = j.contains("times") ? cfg::integer(j, "times", "model spec") : 1;
  if (times != 1 && times != 2) usage_error("model spec.times: expected 1 or 2");
  model.erase("times");
  const long long classes = j.contains("classes") ? cfg::count(j, "classes", "model spec", 1, 1000000) : 0;
  const long long cond_dim = j.contains("cond_dim") ? cfg::count(j, "cond_dim", "model spec", 1, cfg::kMaxDim) : 0;
  const bool null_token = cfg::boolean_or(j, "null_token", false, "model spec");
  if (classes > 0 && cond_dim > 0) usage_error("model spec: classes and cond_dim exclude each other");
  if (null_token && classes == 0 && cond_dim == 0) usage_error("model spec.null_token: needs classes or cond_dim");
  for (const char* k : {"classes", "cond_dim", "null_token"}) model.erase(k);
  MlpSpec s = spec_from_config(model, dim, "model spec");
  s.times = static_cast<int>(times);
  s.classes = static_cast<Index>(classes);
  s.cond_dim = static_cast<Index>(cond_dim);
  s.null_token = null_token;
  return s;
}

void write_checkpoint(io::H5File& f, const std::string& g, const Checkpoint& c) {
  f.write(g + "/params", c.params);
  f.write(g + "/ema", c.ema);
  f.write(g + "/adam_m", c.adam_m);
  f.write(g + "/adam_v", c.adam_v);
  f.write(g + "/adam_t", std::vector<long long>{c.adam_t});
  f.write(g + "/step", std::vector<long long>{c.step});
  // Every random draw of training step s comes from streams keyed (seed, purpose, s), so the
  // generator state to resume from is just the seed and the step.
  f.write(g + "/rng", std::vector<long long>{static_cast<long long>(c.seed), c.step});
}

Checkpoint read_checkpoint(const io::H5File& f, const std::string& g, Index num_params) {
  Checkpoint c;
  auto vec = [&](const std::string& name) {
    const std::vector<double> v = f.read_doubles(g + "/" + name);
    if (static_cast<Index>(v.size()) != num_params)
      usage_error("checkpoint '" + f.path() + "': " + g + "/" + name + " has " + std::to_string(v.size()) +
                  " values, the model needs " + std::to_string(num_params));
    Vec out = Eigen::Map<const Vec>(v.data(), num_params);
    if (!out.allFinite()) usage_error("checkpoint '" + f.path() + "': " + g + "/" + name + " has non-finite values");
    return out;
  };
  c.params = vec("params");
  c.ema = vec("ema");
  c.adam_m = vec("adam_m");
  c.adam_v = vec("adam_v");
  auto scalar = [&](const std::string& name) {
    const auto v = f.read_ints(g + "/" + name);
    if (v.size() != 1) usage_error("checkpoint '" + f.path() + "': " + g + "/" + name + " is not a scalar");
    return v[0];
  };
  c.adam_t = scalar("adam_t");
  c.step = scalar("step");
  const auto rng = f.read_ints(g + "/rng");
  if (rng.size() != 2) usage_error("checkpoint '" + f.path() + "': " + g + "/rng is malformed");
  c.seed = static_cast<std::uint64_t>(rng[0]);
  return c;
}

}  // namespace fm::nn
