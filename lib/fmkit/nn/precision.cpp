#include "fmkit/nn/precision.hpp"

#include "fmkit/core/error.hpp"

namespace fm::nn {

Precision parse_precision(const std::string& name, const std::string& where) {
  if (name == "float64") return Precision::Float64;
  if (name == "float32") return Precision::Float32;
  usage_error(where + ": expected float64 or float32, got '" + name + "'");
}

std::string to_string(Precision p) { return p == Precision::Float32 ? "float32" : "float64"; }

}  // namespace fm::nn
