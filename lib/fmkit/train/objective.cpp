// GCC 12 reports Eigen's AVX-512 pow (pfrexp, via _mm512_undefined) as "used uninitialized" once
// inlined here: the false positive silenced for the same reason in ot/sinkhorn.cpp (GCC bug
// 105593), for this file only and only on GCC 12 and older.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "fmkit/train/objective.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/path/interpolant.hpp"

namespace fm::train {

Objective Objective::parse(const cfg::json& j, const std::string& where) {
  Objective o;
  o.type = cfg::string(j, "type", where);
  if (o.type == "exact") {
    cfg::expect_keys(j, where, {"type", "t_max"});
    o.t_max = cfg::number_or(j, "t_max", 1.0, where);
  } else if (o.type == "fm") {
    cfg::expect_keys(j, where, {"type", "t_max", "p_uncond"});
    o.t_max = cfg::number_or(j, "t_max", 1.0, where);
    o.p_uncond = cfg::number_or(j, "p_uncond", 0.0, where);
    if (!(o.p_uncond >= 0 && o.p_uncond < 1)) usage_error(where + ".p_uncond: expected a probability in [0, 1)");
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
  } else if (o.type == "meanflow") {
    cfg::expect_keys(j, where, {"type", "equal_fraction", "time_law", "mu", "sigma", "adaptive_p", "adaptive_c"});
    o.equal_fraction = cfg::number_or(j, "equal_fraction", 0.75, where);
    o.time_law = cfg::string_or(j, "time_law", "uniform", where);
    o.mu = cfg::number_or(j, "mu", -0.4, where);
    o.sigma = cfg::number_or(j, "sigma", 1.0, where);
    o.adaptive_p = cfg::number_or(j, "adaptive_p", 0.0, where);
    o.adaptive_c = cfg::number_or(j, "adaptive_c", 1e-3, where);
    if (!(o.equal_fraction >= 0 && o.equal_fraction <= 1))
      usage_error(where + ".equal_fraction: expected a fraction in [0, 1]");
    if (o.time_law != "logit_normal" && o.time_law != "uniform")
      usage_error(where + ".time_law: expected logit_normal or uniform, got '" + o.time_law + "'");
    if (!(std::abs(o.mu) <= 10)) usage_error(where + ".mu: expected a number in [-10, 10]");
    if (!(o.sigma > 0 && o.sigma <= 10)) usage_error(where + ".sigma: expected a number in (0, 10]");
    if (!(o.adaptive_p >= 0 && o.adaptive_p <= 2)) usage_error(where + ".adaptive_p: expected a power in [0, 2]");
    if (!(o.adaptive_c > 0 && o.adaptive_c <= 1e6)) usage_error(where + ".adaptive_c: expected a number in (0, 1e6]");
  } else {
    usage_error(where + ".type: unknown objective '" + o.type + "' (expected fm, dfm, exact or meanflow)");
  }
  if (!(o.t_max > 0 && o.t_max <= 1)) usage_error(where + ".t_max: expected a number in (0, 1]");
  return o;
}

cfg::json Objective::to_json() const {
  cfg::json j = {{"type", type}, {"t_max", t_max}};
  if (p_uncond > 0) j["p_uncond"] = p_uncond;  // absent when 0 (run files before conditions)
  if (type == "dfm") {
    j["sigma2"] = sigma2;
    j["weighting"] = weighting;
    j["parametrization"] = parametrization;
  }
  if (type == "meanflow") {
    j["equal_fraction"] = equal_fraction;
    j["time_law"] = time_law;
    j["mu"] = mu;
    j["sigma"] = sigma;
    j["adaptive_p"] = adaptive_p;
    j["adaptive_c"] = adaptive_c;
  }
  return j;
}

Batch make_batch(const Objective& obj, long step, Index n, std::uint64_t seed, coupling::Coupling* coupling,
                 const field::Model* exact) {
  Batch b;
  if (obj.type == "meanflow") {
    coupling::PairBatch pairs;
    coupling->draw(step, n, pairs);
    b.t.resize(n);
    b.weight = Vec::Ones(n);
    // (t, s): two sorted draws of the time law, or s = t for a fraction of the rows. Streams apart
    // from "train/time", so the pairs and t of an fm run are not what a meanflow run reuses.
    Rng law(seed, "train/mf-times", static_cast<std::uint64_t>(step));
    auto draw = [&] {
      if (obj.time_law == "uniform") return law.uniform();
      return 1.0 / (1.0 + std::exp(-(obj.mu + obj.sigma * law.normal())));
    };
    b.s.resize(n);
    for (Index i = 0; i < n; ++i) {
      const double a = draw(), c = draw();
      const bool equal = law.uniform() < obj.equal_fraction;
      b.t[i] = std::min(a, c);
      b.s[i] = equal ? b.t[i] : std::max(a, c);
    }
    b.x = path::Interpolant{0.0}.point(pairs.x0, pairs.x1, b.t, Mat());
    b.target = path::Interpolant::velocity_target(pairs.x0, pairs.x1);
    return b;
  }
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
    b.cond = std::move(pairs.z.z);
    if (obj.p_uncond > 0) {  // classifier-free guidance: the condition dropped to ∅ at rate p_uncond
      FM_REQUIRE(b.cond.size() > 0, "objective.p_uncond: the training pairs carry no condition");
      Rng drop(seed, "train/uncond", static_cast<std::uint64_t>(step));
      for (Index i = 0; i < n; ++i)
        if (drop.uniform() < obj.p_uncond) {
          b.cond.row(i).setZero();
          b.cond(i, 0) = pairs.z.labels() ? nn::kNullLabel : std::nan("");
        }
    }
  } else {
    b.target = obj.parametrization == "denoiser" ? pairs.x1 : ip.drift_target(pairs.x0, pairs.x1, b.t, z);
    if (obj.weighting == "one_minus_t") b.weight = (1.0 - b.t.array()).matrix();
  }
  return b;
}

double meanflow_loss(const Objective& obj, const Batch& b, const nn::Mlp& net, Mat* dpred, nn::Mlp::Cache* cache) {
  const Index n = b.x.rows();
  Mat jvp;
  const Mat u = net.forward_jvp(b.x, b.t, b.s, b.target, Vec::Ones(n), Vec::Zero(n), jvp, cache);
  // The stop-gradient target v_t + (s − t) d/dt U: a constant to the backward pass.
  Mat r = u - b.target;
  r -= (jvp.array().colwise() * (b.s - b.t).array()).matrix();
  const double scale = 1.0 / static_cast<double>(u.size());
  const Vec sq = r.rowwise().squaredNorm();
  Vec w = b.weight;
  if (obj.adaptive_p > 0) w = (sq.array() + obj.adaptive_c).pow(-obj.adaptive_p).matrix();
  if (dpred) *dpred = (2 * scale) * (r.array().colwise() * w.array()).matrix();
  return scale * sq.dot(w);
}

double loss(const Batch& b, const Mat& pred, Mat* dpred) {
  const double scale = 1.0 / static_cast<double>(pred.size());
  const Mat r = pred - b.target;
  const double l = scale * r.rowwise().squaredNorm().dot(b.weight);
  if (dpred) *dpred = (2 * scale) * (r.array().colwise() * b.weight.array()).matrix();
  return l;
}

}  // namespace fm::train
