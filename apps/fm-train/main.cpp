// fm-train: train a velocity (FM) or drift (DFM) MLP from a config. Thin shell: flags → config →
// train::Trainer → HDF5 run file / JSON summary.
#include <filesystem>
#include <iostream>

#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/train/trainer.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"fm-train: train a flow-matching velocity (fm) or diffusion drift (dfm) MLP"};
  fm::CommonFlags common;
  fm::add_common_flags(app, common);
  bool resume = false;
  app.add_flag("--resume", resume, "continue the run in --out from its last checkpoint (config from the file; --set may raise train.steps)");
  if (!fm::parse_cli(app, argc, argv)) return 0;

  fm::cfg::json base = fm::cfg::json::object();
  if (resume) {
    if (common.out.empty()) fm::usage_error("--resume: needs --out RUN.h5, the run to continue");
    if (!std::filesystem::exists(common.out)) fm::usage_error("--resume: '" + common.out + "' does not exist");
    if (!common.config_file.empty()) fm::usage_error("--resume: the config comes from the run file; drop --config");
    base = fm::cfg::json::parse(fm::io::H5File::open(common.out).read_string("/config"));
  }
  fm::CommonFlags flags = common;
  const fm::cfg::json cfg = fm::resolve_config(fm::train::train_defaults(), flags, fm::train::train_opaque(),
                                               [&](fm::cfg::json& c) {
                                                 if (resume) c = base;
                                               });
  if (common.dump_config) {
    std::cout << cfg.dump(2) << "\n";
    return 0;
  }
  fm::train::Trainer trainer(cfg);
  if (resume) trainer.resume(fm::io::H5File::open(common.out));
  const auto seed = static_cast<std::uint64_t>(fm::cfg::integer(cfg, "seed", ""));
  const auto r = trainer.run(common.out, {fm::command_line(argc, argv), seed});
  if (common.json) std::cout << trainer.summary(r).to_json().dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-train", [&] { return run(argc, argv); });
}
