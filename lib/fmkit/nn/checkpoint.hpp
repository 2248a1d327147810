// Checkpoint (de)serialisation: the MLP spec as JSON, and parameters, EMA weights, Adam moments
// and the step in an HDF5 group. A checkpoint that does not match its spec (truncated, edited,
// another network) is rejected with a message, never loaded as garbage.
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/nn/mlp.hpp"

namespace fm::nn {

// The config's "model" section ({"hidden", "activation", "time_embedding"}) for dimension d.
MlpSpec spec_from_config(const cfg::json& model, Index dim, const std::string& where = "model");
cfg::json spec_to_json(const MlpSpec& s);
MlpSpec spec_from_json(const cfg::json& j);  // inverse of spec_to_json

struct Checkpoint {
  Vec params, ema, adam_m, adam_v;
  long adam_t = 0;
  long step = 0;
  std::uint64_t seed = 0;
};

void write_checkpoint(io::H5File& f, const std::string& group, const Checkpoint& c);
// Reads and checks every vector has `num_params` entries and finite values.
Checkpoint read_checkpoint(const io::H5File& f, const std::string& group, Index num_params);

}  // namespace fm::nn
