#include "fmkit/train/objective.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/path/interpolant.hpp"

namespace fm::train {

Objective Objective::parse(const cfg::json& j, const std::string& where) {
  Objective o;
  o.type = cfg::string(j, "type", where);
  if (o.type == "fm" || o.type == "exact") {
    cfg::expect_keys(j, where, {"type", "t_max"});
    o.t_max = cfg::number_or(j, "t_max", 1.0, where);
  } else if (o.type == "dfm") {
    cfg::expect_keys(j, where, {"type", "sigma2", "t_max", "weighting", "parametrization"});
    o.sigma2 = cfg::number_or(j, "sigma2", 1.0, where);
    o.t_max = cfg::number_or(j, "t_max", 0.999, where);
    o.weighting = cfg::string_or(j, "weighting", "uniform", where);
    o.parametrization = cfg::string_or(j, "parametrization", "drift", where);
    if (!(o.sigma2 > 0)) usage_error(where + ".sigma2: expected a positive number, got " + std::to_string(o.sigma2));
    if (!(o.t_max < 1)) usage_error(where + ".t_max: the bridge drift needs t_max < 1");
    if (o.weighting != "uniform" && o.weighting != "one_minus_t")
      usage_error(where + ".weighting: expected uniform or one_minus_t, got '" + o.weighting + "'");
    if (o.parametrization != "drift" && o.parametrization != "denoiser")
      usage_error(where + ".parametrization: expected drift or denoiser, got '" + o.parametrization + "'");
  } else {
    usage_error(where + ".type: unknown objective '" + o.type + "' (expected fm, dfm or exact)");
  }
  if (!(o.t_max > 0 && o.t_max <= 1)) usage_error(where + ".t_max: expected a number in (0, 1]");
  return o;
}

cfg::json Objective::to_json() const {
  cfg::json j = {{"type", type}, {"t_max", t_max}};
  if (type == "dfm") {
    j["sigma2"] = sigma2;
    j["weighting"] = weighting;
    j["parametrization"] = parametrization;
  }
  return j;
}

Batch make_batch(const Objective& obj, long step, Index n, std::uint64_t seed, coupling::Coupling* coupling,
                 const field::Model* exact) {
  Batch b;
  Rng trng(seed, "train/time", static_cast<std::uint64_t>(step));
  b.t.resize(n);
  for (Index i = 0; i < n; ++i) b.t[i] = obj.t_max * trng.uniform();
  b.weight = Vec::Ones(n);
  if (obj.type == "exact") {
    FM_REQUIRE(exact && exact->sample_p, "objective exact: the target has no closed-form path");
    Rng xrng(seed, "train/path", static_cast<std::uint64_t>(step));
    b.x = exact->sample_p(b.t, xrng);
    Derivs ev;
    exact->velocity->evaluate_rows(b.x, b.t, kValue, ev);
    b.target = std::move(ev.value);
    return b;
  }
  coupling::PairBatch pairs;
  coupling->draw(step, n, pairs);
  path::Interpolant ip{obj.type == "dfm" ? obj.sigma2 : 0.0};
  Mat z;
  if (obj.type == "dfm") {
    Rng zrng(seed, "train/bridge-noise", static_cast<std::uint64_t>(step));
    z = zrng.normal(n, pairs.x0.cols());
  }
  b.x = ip.point(pairs.x0, pairs.x1, b.t, z);
  if (obj.type == "fm") {
    b.target = path::Interpolant::velocity_target(pairs.x0, pairs.x1);
  } else {
    b.target = obj.parametrization == "denoiser" ? pairs.x1 : ip.drift_target(pairs.x0, pairs.x1, b.t, z);
    if (obj.weighting == "one_minus_t") b.weight = (1.0 - b.t.array()).matrix();
  }
  return b;
}

double loss(const Batch& b, const Mat& pred, Mat* dpred) {
  const double scale = 1.0 / static_cast<double>(pred.size());
  const Mat r = pred - b.target;
  const double l = scale * r.rowwise().squaredNorm().dot(b.weight);
  if (dpred) *dpred = (2 * scale) * (r.array().colwise() * b.weight.array()).matrix();
  return l;
}

}  // namespace fm::train
