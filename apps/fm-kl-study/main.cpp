// fm-kl-study: the KL-bound study from a config (experiments/configs/kl_{quick,paper}.json).
#include <iostream>

#include "fmkit/core/app.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/study/kl_study.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"fm-kl-study: does KL(p1||q1) <= eps*sqrt(S) <= A1*eps + A2*eps^2 hold, and how tightly?"};
  fm::CommonFlags common;
  fm::add_common_flags(app, common);
  if (!fm::parse_cli(app, argc, argv)) return 0;
  const fm::cfg::json cfg = fm::resolve_config(fm::study::kl_study_defaults(), common, {});
  if (common.dump_config) std::cout << cfg.dump(2) << std::endl;  // then validated, as a run would
  fm::study::validate_kl_study(cfg);
  if (common.dump_config) return 0;
  fm::Timer timer;
  if (common.out.empty()) {
    const auto t = fm::study::run_kl_study(cfg, nullptr);
    if (common.json) std::cout << t.to_json().dump() << "\n";
    return 0;
  }
  auto file = fm::io::H5File::create(common.out);
  fm::io::write_metadata(file, {fm::command_line(argc, argv), static_cast<std::uint64_t>(cfg["seed"].get<long long>())},
                         cfg);
  const auto t = fm::study::run_kl_study(cfg, &file);
  t.write(file, "/summary");
  file.set_attr("/", "wall_time_s", timer.seconds());
  file.commit();
  if (common.json) std::cout << t.to_json().dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-kl-study", [&] { return run(argc, argv); });
}
