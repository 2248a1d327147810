// The shared shell of a study program: common flags, config resolution (defaults ← file ← --set),
// --dump-config, the parse into the study's typed spec (every check, once, before any work), the
// output file created before the work (an unwritable path fails at once), the study's bar,
// metadata, the summary table, and --json; for the studies that keep their finished units
// (UnitCheckpoint), --resume.
#pragma once
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <type_traits>

#include "fmkit/core/config.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/study/unit_checkpoint.hpp"

namespace fm::study {

// A study whose spec is parsed: run it into `output` (may be null) with `progress`, keeping its
// finished units in `checkpoint` (a study that keeps none ignores it).
using ParsedStudy = std::function<StudyTables(io::H5File* output, StudyProgress& progress, UnitCheckpoint& checkpoint)>;
// Parses a resolved config into the study's spec; a usage error for any bad key.
using ParseStudy = std::function<ParsedStudy(const cfg::json& config)>;

// The parse and run of one study as a ParseStudy: `parse(config)` → Spec, then
// `run(spec, output, progress)` → StudyTables, or `run(spec, output, progress, checkpoint)`.
template <class Parse, class Run>
ParseStudy study(Parse parse, Run run) {
  return [parse, run](const cfg::json& config) -> ParsedStudy {
    using Spec = decltype(parse(config));
    auto spec = std::make_shared<const Spec>(parse(config));
    return [spec, run](io::H5File* output, StudyProgress& progress, UnitCheckpoint& checkpoint) {
      if constexpr (std::is_invocable_v<Run, const Spec&, io::H5File*, StudyProgress&, UnitCheckpoint&>)
        return run(*spec, output, progress, checkpoint);
      else
        return run(*spec, output, progress);
    };
  };
}

// `keeps_units`: the study records its finished units in a checkpoint (so --out is resumable, and
// the program takes --resume).
int study_main(int argc, char** argv, const std::string& description, const cfg::json& defaults,
               const std::set<std::string>& opaque, const ParseStudy& parse, bool keeps_units = false);

}  // namespace fm::study
