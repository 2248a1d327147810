// Run metadata written as root attributes of every output file (cf. google/benchmark's JSON
// context): who made the file, with what build, on which machine, from which command.
#pragma once
#include <cstdint>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"

namespace fm::io {

inline constexpr long long kSchemaVersion = 1;

struct RunInfo {
  std::string command_line;
  std::uint64_t seed = 0;
};

// Writes the root attributes of DESIGN.md and the resolved config as /config.
void write_metadata(H5File& file, const RunInfo& info, const cfg::json& config);

// The attributes that say which build wrote a file and when (schema_version, fmkit_version,
// git_sha, created_utc): shared by write_metadata and by files that gather runs, which have no
// seed or config of their own.
void write_build_attrs(H5File& file);

// The commit of the source tree this binary was built from, "-dirty" appended when tracked files
// differed from it, "unknown" outside a git checkout. Taken at build time, not configure time.
std::string git_sha();
std::string hostname();
std::string cpu_model();
std::string utc_now();

}  // namespace fm::io
