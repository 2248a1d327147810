// Time features fed to the MLP beside x: raw t, or sinusoidal
// [sin 2πf_j t, cos 2πf_j t]_{j<k} with k frequencies log-spaced in [f_min, f_max] (theory/sdfm.md §8).
#pragma once
#include <string>

#include "fmkit/core/types.hpp"

namespace fm::nn {

struct TimeEmbedding {
  std::string type = "sinusoidal";  // "raw" | "sinusoidal"
  int frequencies = 16;
  double f_min = 1.0, f_max = 10.0;  // see docs/fm-train.md: f_max = 100 cost 5x the Dopri5 NFE

  Index width() const { return type == "raw" ? 1 : 2 * frequencies; }
  void validate(const std::string& where) const;
  Mat features(const Vec& t) const;    // n × width
  Mat derivative(const Vec& t) const;  // d features / dt, n × width
};

}  // namespace fm::nn
