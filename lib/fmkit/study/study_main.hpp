// The shared shell of a study program: common flags, config resolution (defaults ← file ← --set),
// --dump-config, the output file created before the work (an unwritable path fails at once),
// metadata, the summary table, and --json.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"

namespace fm::study {

// `validate` checks the whole resolved config before any work; --dump-config runs it too, so a
// config that prints is a config that runs.
using Validate = std::function<void(const cfg::json&)>;

int study_main(int argc, char** argv, const std::string& description, const cfg::json& defaults,
               const std::set<std::string>& opaque, const Validate& validate, const StudyRun& run);

}  // namespace fm::study
