// The shared shell of a study program: common flags, config resolution (defaults ← file ← --set),
// --dump-config, the parse into the study's typed spec (every check, once, before any work), the
// output file created before the work (an unwritable path fails at once), the study's bar,
// metadata, the summary table, and --json.
#pragma once
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"

namespace fm::study {

// A study whose spec is parsed: run it into `output` (may be null) with `progress`.
using ParsedStudy = std::function<StudyTables(io::H5File* output, StudyProgress& progress)>;
// Parses a resolved config into the study's spec; a usage error for any bad key.
using ParseStudy = std::function<ParsedStudy(const cfg::json& config)>;

// The parse and run of one study as a ParseStudy: `parse(config)` → Spec, then
// `run(spec, output, progress)` → StudyTables.
template <class Parse, class Run>
ParseStudy study(Parse parse, Run run) {
  return [parse, run](const cfg::json& config) -> ParsedStudy {
    auto spec = std::make_shared<const decltype(parse(config))>(parse(config));
    return [spec, run](io::H5File* output, StudyProgress& progress) { return run(*spec, output, progress); };
  };
}

int study_main(int argc, char** argv, const std::string& description, const cfg::json& defaults,
               const std::set<std::string>& opaque, const ParseStudy& parse);

}  // namespace fm::study
