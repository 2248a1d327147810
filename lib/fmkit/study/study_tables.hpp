// What a study returns, and the one signature every study has: run(spec, output, progress) →
// tables. The spec is the study's typed config, parsed (and so checked) before any work;
// `output` (may be null) is the open result file, for the datasets a study writes besides its
// tables (the KL study's curves); `progress` is told what runs. Tables are written by the caller:
// /summary plus named extra tables (e.g. /fits); --json prints {"summary": [...], "<name>": [...]}.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/study/study_progress.hpp"

namespace fm::study {

struct StudyTables {
  io::Table summary;
  std::vector<std::pair<std::string, io::Table>> extra;  // (name without the slash, table)
};

}  // namespace fm::study
