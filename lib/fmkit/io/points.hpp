// Point-set readers: `.npy` (float32/float64, C order, 1-D or 2-D), `.csv` or `.csv.gz` (numbers,
// optional header row) and `file.h5:/path`. Every reader rejects NaN/Inf and names the file and position.
#pragma once
#include <string>

#include "fmkit/core/types.hpp"

namespace fm::io {

Mat read_points(const std::string& spec);
Mat read_npy(const std::string& path);
Mat read_csv(const std::string& path);
Mat read_h5_points(const std::string& path, const std::string& dataset);

// Writes a float64 C-order .npy (used by tests and data tools).
void write_npy(const std::string& path, const Mat& m);

}  // namespace fm::io
