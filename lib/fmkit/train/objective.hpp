// Training objectives (regression targets and weights), per-coordinate mean squared error:
//   fm     linear interpolant x_t = (1−t)x₀ + tx₁, target x₁ − x₀, t ~ U[0, t_max]
//   dfm    Brownian bridge with σ² (theory/dfm.md §1.4), t ~ U[0, t_max] (default t_max = 0.999,
//          i.e. δ_train = 1e-3: the drift target's variance ~ σ²dt/(1−t) is not integrable at 1);
//          weighting "uniform" or "one_minus_t" (w = 1 − t); parametrization "drift"
//          (target (X₁ − X_t)/(1 − t)) or "denoiser" (target X₁; sampler uses (D − x)/(1 − t))
//   exact  x ~ p_t of a closed-form path, target the exact marginal velocity u(x, t)
#pragma once
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/coupling/coupling.hpp"
#include "fmkit/field/model.hpp"

namespace fm::train {

struct Objective {
  std::string type = "fm";
  double sigma2 = 1.0;
  double t_max = 1.0;
  std::string weighting = "uniform";
  std::string parametrization = "drift";
  static Objective parse(const cfg::json& j, const std::string& where = "objective");
  cfg::json to_json() const;
};

struct Batch {
  Mat x;       // network input points
  Vec t;       // their times
  Mat target;  // regression target
  Vec weight;  // per-row loss weight
};

// Batch of training step `step` (deterministic in seed and step). `coupling` supplies pairs
// (fm, dfm); `exact` supplies p_t and u (exact objective).
Batch make_batch(const Objective& obj, long step, Index n, std::uint64_t seed, coupling::Coupling* coupling,
                 const field::Model* exact);

// Σ_i w_i ‖pred_i − target_i‖² / (n·d), and optionally its gradient with respect to pred.
double loss(const Batch& b, const Mat& pred, Mat* dpred = nullptr);

}  // namespace fm::train
