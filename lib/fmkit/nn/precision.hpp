// The arithmetic of an MLP's training step and of its value-only evaluations (sampling):
// float64 (the default, and always where exact derivatives are needed: the CNF, the bounds), or
// float32 for speed, as researchers train in PyTorch. A float32 run keeps float64 master weights,
// Adam moments and EMA (so checkpoints, resumes and the bounds read one format); only the network's
// forward and backward passes, the GEMMs that are the step's cost, run in float32.
#pragma once
#include <string>

#include <Eigen/Dense>

namespace fm::nn {

enum class Precision { Float64, Float32 };

Precision parse_precision(const std::string& name, const std::string& where);
std::string to_string(Precision p);

// A float32 batch (row-major, like fm::Mat) and parameter vector.
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VecF = Eigen::VectorXf;

}  // namespace fm::nn
