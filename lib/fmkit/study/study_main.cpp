#include "fmkit/study/study_main.hpp"

#include <iostream>
#include <optional>

#include "fmkit/core/app.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/io/metadata.hpp"

namespace fm::study {

int study_main(int argc, char** argv, const std::string& description, const cfg::json& defaults,
               const std::set<std::string>& opaque, const ParseStudy& parse) {
  CLI::App app{description};
  CommonFlags common;
  add_common_flags(app, common);
  if (!parse_cli(app, argc, argv)) return 0;
  const cfg::json cfg = resolve_config(defaults, common, opaque);
  // --dump-config prints the resolved config (also to see the keys and defaults), then parses it
  // as a run would: exit 2 says it would not run.
  if (common.dump_config) std::cout << cfg.dump(2) << std::endl;
  const ParsedStudy run = parse(cfg);
  if (common.dump_config) return 0;
  Timer timer;
  std::optional<io::H5File> file;
  if (!common.out.empty()) file.emplace(io::H5File::create(common.out));
  StudyProgress progress;
  const StudyTables t = run(file ? &*file : nullptr, progress);
  if (file) {
    io::write_metadata(*file, {command_line(argc, argv), static_cast<std::uint64_t>(cfg["seed"].get<long long>())}, cfg);
    t.summary.write(*file, "/summary");
    for (const auto& [name, table] : t.extra) table.write(*file, "/" + name);
    file->set_attr("/", "wall_time_s", timer.seconds());
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
