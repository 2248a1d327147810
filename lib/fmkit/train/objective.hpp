// Training objectives (regression targets and weights), per-coordinate mean squared error:
//   fm     linear interpolant x_t = (1−t)x₀ + tx₁, target x₁ − x₀, t ~ U[0, t_max]; with conditions
//          (labelled pairs) the row's condition goes beside, dropped to ∅ with probability p_uncond
//   dfm    Brownian bridge with σ² (theory/dfm.md §1.4), t ~ U[0, t_max] (default t_max = 0.999,
//          i.e. δ_train = 1e-3: the drift target's variance ~ σ²dt/(1−t) is not integrable at 1);
//          weighting "uniform" or "one_minus_t" (w = 1 − t); parametrization "drift"
//          (target (X₁ − X_t)/(1 − t)) or "denoiser" (target X₁; sampler uses (D − x)/(1 − t))
//   exact  x ~ p_t of a closed-form path, target the exact marginal velocity u(x, t)
//   meanflow  a two-time network U(x, t, s), t ≤ s (theory/sdfm_variants.md §2): linear
//          interpolant at t, regressed on sg(v_t + (s − t)(∇_x U·v_t + ∂_t U)) with v_t = x₁ − x₀,
//          the JVP by forward-mode tangents. A fraction `equal_fraction` of the draws has s = t
//          (plain FM there); otherwise (t, s) are two sorted draws of `time_law`: uniform (the
//          default: a one-step sampler needs intervals near [0, 1], which the paper's ImageNet
//          choice logit_normal(−0.4, 1) rarely draws: on N(m, 0.5² I) its one-step samples had
//          std 0.10 and 0.06 after 1500 steps) or logit_normal. `adaptive_p` > 0 weights each row by 1/sg(‖Δ‖² + adaptive_c)^p.
#pragma once
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/coupling/coupling.hpp"
#include "fmkit/field/model.hpp"
#include "fmkit/nn/mlp.hpp"

namespace fm::train {

struct Objective {
  std::string type = "fm";
  double sigma2 = 1.0;
  double t_max = 1.0;
  std::string weighting = "uniform";
  std::string parametrization = "drift";
  // meanflow
  double equal_fraction = 0.75;
  std::string time_law = "uniform";
  double mu = -0.4, sigma = 1.0;
  double adaptive_p = 0, adaptive_c = 1e-3;
  // fm with conditions: the probability that a pair's condition is replaced by ∅ (the null token of
  // classifier-free guidance; theory/sdfm_variants.md §1). 0: no null token.
  double p_uncond = 0;
  static Objective parse(const cfg::json& j, const std::string& where = "objective");
  cfg::json to_json() const;
};

struct Batch {
  Mat x;       // network input points
  Vec t;       // their times
  Vec s;       // meanflow: the interval ends (t ≤ s); empty otherwise
  Mat target;  // regression target
  Vec weight;  // per-row loss weight
  Mat cond;    // conditional fm: the raw condition of each row (∅ where dropped); empty otherwise
};

// Batch of training step `step` (deterministic in seed and step). `coupling` supplies pairs
// (fm, dfm); `exact` supplies p_t and u (exact objective).
Batch make_batch(const Objective& obj, long step, Index n, std::uint64_t seed, coupling::Coupling* coupling,
                 const field::Model* exact);

// Σ_i w_i ‖pred_i − target_i‖² / (n·d), and optionally its gradient with respect to pred.
double loss(const Batch& b, const Mat& pred, Mat* dpred = nullptr);

// The mean-flow loss of a two-time network on a meanflow batch (whose `target` holds v_t): one
// forward pass with its JVP builds the stop-gradient target, then the (adaptively) weighted
// squared error; `dpred` and `cache` (optional) feed the network's backward pass.
double meanflow_loss(const Objective& obj, const Batch& b, const nn::Mlp& net, Mat* dpred = nullptr,
                     nn::Mlp::Cache* cache = nullptr);

}  // namespace fm::train
