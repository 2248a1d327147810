// What a field evaluation returns on a batch: value (n×d), Jacobian (n×d², row i holds ∂v_a/∂x_b
// of point i at a·d+b), divergence (n) and ∇div (n×d). Flags select what to compute, so the
// CNF asks for everything in one pass and a sampler only for values.
#pragma once
#include "fmkit/core/types.hpp"

namespace fm {

enum Want : unsigned { kValue = 1, kJacobian = 2, kDivergence = 4, kGradDiv = 8, kAll = 15 };

struct Derivs {
  Mat value;
  Mat jac;
  Vec div;
  Mat grad_div;
};

}  // namespace fm
