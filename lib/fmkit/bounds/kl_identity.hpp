// The KL evolution identity KL(p_t‖q_t) = ∫₀ᵗ E_{p_s}[(u − v)·(s_p − s_q)] ds (theory/kl_bound.md
// §1) measured on a time grid: KL̂(t) = mean(log p_t − log q_t) against the cumulative trapezoid of
// ĝ(t) = mean((u − v)·(s_p − s_q)), with common random numbers across t.
#pragma once
#include <functional>
#include <vector>

#include "fmkit/field/model.hpp"

namespace fm::bounds {

// The q side: log q_t, ∇log q_t and v at given points (closed form, or the CNF for a model).
struct QSide {
  std::function<void(double t, const Mat& x, Vec& log_q, Mat& score_q)> density;
  field::FieldPtr velocity;
};

// A model's q side: log q_t and ∇log q_t by the CNF from its source.
QSide cnf_q_side(const field::Model& model);

struct IdentityCurve {
  std::vector<double> t, kl, kl_se, g, identity;
  double max_abs_error = 0;  // max_t |identity − KL̂|
  // identity(1) − KL̂(1) on each of `batches` disjoint, equal batches of the draws: independent
  // Monte-Carlo replicates of the identity's error at t = 1, the error ∫ĝ accumulates included
  // (theory/claims.md's unit for a network-free check). Their mean is the full sample's error when
  // the batches cover every draw.
  std::vector<double> batch_error;
};

IdentityCurve identity_curve(const field::Model& truth, const QSide& q, int grid, Index n, std::uint64_t seed,
                             int batches = 10);

// Cumulative trapezoid of f over t (same length, starting at 0).
std::vector<double> cumulative_trapezoid(const std::vector<double>& t, const std::vector<double>& f);

}  // namespace fm::bounds
