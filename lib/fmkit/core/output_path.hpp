// Checks on an output path made before any work: it can be created, and it is not one of the
// run's inputs (writing samples over the model they came from lost trained models).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fm {

// Usage error unless `out` can be written: not a directory, its folder exists and is writable,
// it is not the same file as any of `inputs` (an input may carry an HDF5 dataset suffix,
// "file.h5:/x"; never, even with `force`), and it does not exist unless `force` (--force: a
// trained model was lost to an --out that named an earlier run). An empty `out` passes.
void check_output_path(const std::string& out, const std::vector<std::string>& inputs,
                       const std::string& flag = "--out", bool force = false);

// Every string value in a config that names an existing file (dataset paths, a model file), for
// check_output_path.
std::vector<std::string> file_paths_in(const nlohmann::json& config);

}  // namespace fm
