// fm-dfm-study: the DFM study from a config (experiments/configs/dfm_{quick,paper}.json).
#include <iostream>
#include <optional>

#include "fmkit/core/app.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/study/dfm_study.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"fm-dfm-study: measured KL of Euler-Maruyama DFM sampling against the explicit chain and brackets"};
  fm::CommonFlags common;
  fm::add_common_flags(app, common);
  if (!fm::parse_cli(app, argc, argv)) return 0;
  const fm::cfg::json cfg = fm::resolve_config(fm::study::dfm_study_defaults(), common,
                                               fm::study::dfm_study_opaque());
  if (common.dump_config) {
    std::cout << cfg.dump(2) << "\n";
    return 0;
  }
  fm::Timer timer;
  // Create the output first: an unwritable path fails before minutes of work.
  std::optional<fm::io::H5File> file;
  if (!common.out.empty()) file.emplace(fm::io::H5File::create(common.out));
  const auto t = fm::study::run_dfm_study(cfg);
  if (file) {
    fm::io::write_metadata(*file, {fm::command_line(argc, argv), static_cast<std::uint64_t>(cfg["seed"].get<long long>())},
                           cfg);
    t.write(*file, "/summary");
    file->set_attr("/", "wall_time_s", timer.seconds());
    file->commit();
  }
  if (common.json) std::cout << t.to_json().dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-dfm-study", [&] { return run(argc, argv); });
}
