// The shared shell of every program: common flags (--config, --set, --dump-config, --threads,
// --json, --out), config resolution, and main() error handling (one line, exit 2 or 1).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"

namespace fm {

struct CommonFlags {
  std::string config_file;
  std::vector<std::string> sets;
  bool dump_config = false;
  int threads = 0;
  bool json = false;
  std::string out;
  bool force = false;  // --force: replace an existing --out
};

// Adds the flags of every config-driven program (--config, --set, --dump-config and the run
// flags below); `with_out` adds --out FILE.h5.
void add_common_flags(CLI::App& app, CommonFlags& flags, bool with_out = true);
// The run flags alone (--threads, --json, --out and --force): for the flag-driven programs fm-ot and
// fm-bound, whose inputs are flags and files, not a config.
void add_run_flags(CLI::App& app, CommonFlags& flags, bool with_out = true);

// defaults ← config file ← program flags (`apply_flags`, only for flags the user gave) ← --set,
// merged strictly. Sets the thread count and, unless --dump-config, checks that --out can be
// written and is none of the inputs (the config file, files the config names). Returns the
// resolved config.
cfg::json resolve_config(const cfg::json& defaults, const CommonFlags& flags,
                         const std::set<std::string>& opaque,
                         const std::function<void(cfg::json&)>& apply_flags = {});

// A CLI11 check for a numeric flag: NaN and ±inf are refused at parse time (as a usage error naming
// the flag) instead of being read as "not given" or run with.
CLI::Validator finite_number();

// Parses argv; returns false after printing --help (the caller then exits 0). Parse errors
// propagate to run_main as usage errors.
bool parse_cli(CLI::App& app, int argc, char** argv);

// The command line as one string, for run metadata.
std::string command_line(int argc, char** argv);

// Runs `body` and maps every failure to one line on stderr and an exit code:
// usage/config errors (fm::Error Usage, CLI parse errors) → 2, runtime failures → 1.
int run_main(const std::string& name, const std::function<int()>& body);

}  // namespace fm
