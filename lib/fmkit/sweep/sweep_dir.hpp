// A sweep's output directory, the contract between `fm-sweep run`, `emit`, `run-one` and `merge`
// (and a cluster's array tasks):
//   DIR/sweep.json              the expanded manifest: program, axis keys, slurm resources, runs
//   DIR/runs.txt                one run id per line (line k is array task k − 1)
//   DIR/runs/<id>/config.json   the run's full config
//   DIR/runs/<id>/out.h5        the program's output; complete when its root `status` is "complete"
//   DIR/runs/<id>/status.json   {"status": complete|failed|pending, "exit_code", "attempts", "error",
//                               "wall_time_s": summed over every invocation that ran it}
//   DIR/runs/<id>/stdout.json, stderr.log
#pragma once
#include <string>
#include <vector>

#include "fmkit/sweep/sweep.hpp"

namespace fm::sweep {

struct RunStatus {
  std::string status = "pending";  // pending | complete | failed
  int exit_code = 0;
  int attempts = 0;
  std::string error;
  double wall_time_s = 0;
};

struct Manifest {
  std::string program;
  std::vector<std::string> keys;
  cfg::json slurm;
  std::vector<std::pair<std::string, cfg::json>> runs;  // (id, overrides)
};

// Writes the manifest and every run's config. A run whose stored config differs from the new one
// while its output is complete is an error (its result would silently belong to another config).
void prepare(const Sweep& s, const std::string& dir);
Manifest read_manifest(const std::string& dir);

std::string run_dir(const std::string& dir, const std::string& id);
// True when runs/<id>/out.h5 exists with root status "complete" (outputs are renamed into place
// only when written in full, so a killed run never looks complete).
bool output_complete(const std::string& dir, const std::string& id);
// True when runs/<id>/out.h5 exists but is not complete: a checkpoint to resume (programs write
// their final output to out.h5.tmp and rename it; only checkpoints sit under the final name).
bool output_checkpoint(const std::string& dir, const std::string& id);
RunStatus read_status(const std::string& dir, const std::string& id);
void write_status(const std::string& dir, const std::string& id, const RunStatus& st);  // atomic

// The last non-blank line of a text file (a run's error message or latest progress line); "" if
// the file is missing or blank.
std::string last_line(const std::string& path);

// The whole of a file as bytes; "" if it is missing.
std::string read_text(const std::string& path);

// Writes `text` to `path` through a temporary file and a rename.
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace fm::sweep
