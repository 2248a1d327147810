// Activations with their first and second derivatives (the MLP's exact Jacobian, divergence
// and ∇div need σ' and σ''): SiLU, SELU, tanh, softplus.
#pragma once
#include <string>

#include "fmkit/core/types.hpp"
#include "fmkit/nn/precision.hpp"

namespace fm::nn {

enum class Activation { Silu, Selu, Tanh, Softplus };

Activation parse_activation(const std::string& name, const std::string& where = "model.activation");
std::string to_string(Activation a);
// Lipschitz constant max|σ'| (SiLU 1.09984, SELU λα, tanh and softplus 1), for rigorous bounds.
double lipschitz(Activation a);

// Elementwise on a: any of s0 = σ(a), s1 = σ'(a), s2 = σ''(a) that is non-null.
void activate(Activation act, const Mat& a, Mat* s0, Mat* s1 = nullptr, Mat* s2 = nullptr);
// The same in float32 (a float32 training step and sampling).
void activate(Activation act, const MatF& a, MatF* s0, MatF* s1 = nullptr, MatF* s2 = nullptr);

}  // namespace fm::nn
