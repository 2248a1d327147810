// What a study returns, and the one signature every study has: run(config, output) → tables.
// The config has passed the study's validating pass; `output` (may be null) is the open result
// file, for the datasets a study writes besides its tables (the KL study's curves). Tables are
// written by the caller: /summary plus named extra tables (e.g. /fits); --json prints
// {"summary": [...], "<name>": [...]}.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"

namespace fm::study {

struct StudyTables {
  io::Table summary;
  std::vector<std::pair<std::string, io::Table>> extra;  // (name without the slash, table)
};

using StudyRun = std::function<StudyTables(const cfg::json& config, io::H5File* output)>;

// How a study's blocks report to its bar: what runs before each training (`finished` false, so the
// inner bars are shown inside it) and the same text once it is done (`finished` true, counted).
using StudyProgress = std::function<void(const std::string& what, bool finished)>;

}  // namespace fm::study
