// A sweep (DESIGN: fm-sweep): one program, a base config and axes of dotted keys, expanded into
// runs. SWEEP.json:
//   {"program": "fm-train",                 // any fm-* program that takes --config/--out
//    "base": "../configs/x.json" | {..},     // a path is relative to the sweep file
//    "axes": [{"key": "train.lr", "values": [0.001, 0.003]},          // a list
//             {"zip": {"seed": [0, 1], "train.steps": [1000, 2000]}},  // lists zipped together
//             {"runs": [{"seed": 0, "only": ["a"]}, {"seed": 1, "only": ["b"]}]}], // a zip, row-wise
//    "slurm": {"time": "01:00:00", "mem": "4G", "cpus_per_task": 1, "partition": "", "extra": []}}
// The runs are the Cartesian product of the axes (the first axis outermost). A run's id is a hash
// of its overrides, so it is stable when axes are reordered or values added.
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"

namespace fm::sweep {

struct Run {
  std::string id;       // "r" + 12 hex digits of the overrides' hash
  cfg::json overrides;  // {"train.lr": 0.001, "seed": 0}
  cfg::json config;     // base with the overrides applied
};

struct Sweep {
  std::string program;
  cfg::json slurm;                // resources for `emit --slurm` (defaults filled in)
  std::vector<std::string> keys;  // the axis keys, in axis order
  std::vector<Run> runs;
};

// The programs a sweep can drive: they all take --config, --out, --threads and --json.
const std::vector<std::string>& sweepable_programs();

Sweep load_sweep(const std::string& path);
Sweep parse_sweep(const cfg::json& spec, const std::string& base_dir, const std::string& where = "sweep");
std::string run_id(const cfg::json& overrides);

// Refuses control characters in a value that an emitted job script will contain (a usage error
// naming `where`).
void script_safe(const std::string& value, const std::string& where);

}  // namespace fm::sweep
