#include "fmkit/study/study_main.hpp"

#include <filesystem>
#include <iostream>
#include <optional>

#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/signal_cleanup.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/io/metadata.hpp"

namespace fm::study {

int study_main(int argc, char** argv, const std::string& description, const cfg::json& defaults,
               const std::set<std::string>& opaque, const ParseStudy& parse, bool keeps_units) {
  CLI::App app{description};
  CommonFlags common;
  add_common_flags(app, common);
  bool resume = false;
  if (keeps_units)
    app.add_flag("--resume", resume,
                 "continue the interrupted study whose checkpoint is --out (the same config), keeping its finished "
                 "units")
        ->excludes("--force");
  if (!parse_cli(app, argc, argv)) return 0;
  const std::string prog = std::filesystem::path(argv[0]).filename().string();
  if (resume && common.out.empty()) usage_error("--resume: give --out, the checkpoint to continue");
  // A checkpoint is work done: replaced only on request, like any existing output.
  if (keeps_units && !resume && !common.force && !common.dump_config && is_checkpoint(common.out))
    usage_error("--out '" + common.out + "' holds an interrupted study's checkpoint: add --resume to continue it, or "
                "--force to start over");
  if (resume) common.force = true;  // the existing --out is the checkpoint, replaced by the finished study
  const cfg::json cfg = resolve_config(defaults, common, opaque);
  // --dump-config prints the resolved config (also to see the keys and defaults), then parses it
  // as a run would: exit 2 says it would not run.
  if (common.dump_config) std::cout << cfg.dump(2) << std::endl;
  const ParsedStudy run = parse(cfg);
  if (common.dump_config) return 0;
  Timer timer;
  std::optional<UnitCheckpoint> checkpoint;  // holds a mutex: built in place
  if (keeps_units && !common.out.empty()) {
    // Ctrl-C, a kill or a Slurm time limit: say what is kept and how to continue. Until this run
    // records a unit, an existing OUT is either the checkpoint being resumed or the file --force
    // replaces, which is still as it was.
    const std::string out = common.out;
    const std::string kept = prog + ": stopped; '" + out + "' keeps the finished units. Continue with the same "
                             "command and --resume\n";
    const std::string none = prog + ": stopped before a unit finished; nothing of this run was kept. Start it again.\n";
    const std::string untouched = prog + ": stopped before a unit finished; nothing of this run was kept and '" + out +
                                  "' is as it was. Start it again.\n";
    set_stop_message(out, resume ? kept : untouched, none);
    checkpoint.emplace(out, cfg.dump(), resume, [=] { set_stop_message(out, kept, none); });
    if (resume)
      std::cerr << prog << ": resuming '" << out << "': " << checkpoint->resumed() << " finished unit(s) kept\n";
  }
  if (!checkpoint) checkpoint.emplace();
  std::optional<io::H5File> file;
  if (!common.out.empty()) file.emplace(io::H5File::create(common.out));
  StudyProgress progress;
  const StudyTables t = run(file ? &*file : nullptr, progress, *checkpoint);
  if (file) {
    io::write_metadata(*file, {command_line(argc, argv), static_cast<std::uint64_t>(cfg["seed"].get<long long>())}, cfg);
    t.summary.write(*file, "/summary");
    for (const auto& [name, table] : t.extra) table.write(*file, "/" + name);
    // A resumed study's time includes the stints before it (up to their last kept unit).
    file->set_attr("/", "wall_time_s", checkpoint->earlier_s() + timer.seconds());
    file->commit();
  }
  if (common.json) {
    if (t.extra.empty()) {
      std::cout << t.summary.to_json().dump() << "\n";
    } else {
      cfg::json j{{"summary", t.summary.to_json()}};
      for (const auto& [name, table] : t.extra) j[name] = table.to_json();
      std::cout << j.dump() << "\n";
    }
  }
  return 0;
}

}  // namespace fm::study
