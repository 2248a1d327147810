// fm-train: train a velocity (FM) or drift (DFM) MLP from a config. Thin shell: flags → config →
// train::Trainer → HDF5 run file / JSON summary.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/signal_cleanup.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/train/trainer.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"fm-train: train a flow-matching velocity (fm) or diffusion drift (dfm) MLP"};
  fm::CommonFlags common;
  fm::add_common_flags(app, common);
  bool resume = false;
  app.add_flag("--resume", resume, "continue the run in --out from its last checkpoint (config from the file; --set may raise train.steps)");
  std::optional<long long> seed;
  app.add_option("--seed", seed, "training seed (the config's seed; default 0)")->check(CLI::Range(0LL, static_cast<long long>(INT64_MAX)));
  if (!fm::parse_cli(app, argc, argv)) return 0;

  fm::cfg::json stored;
  std::string stored_status;
  if (resume) {
    if (common.out.empty()) fm::usage_error("--resume: needs --out RUN.h5, the run to continue");
    if (!std::filesystem::exists(common.out)) fm::usage_error("--resume: '" + common.out + "' does not exist");
    const fm::io::H5File f = fm::io::H5File::open(common.out);
    if (!f.exists("/config")) fm::usage_error("--resume: '" + common.out + "' is not an fm-train run file (no /config)");
    stored = fm::cfg::parse(f.read_string("/config"), "--resume '" + common.out + "': /config");
    if (!stored.is_object()) fm::usage_error("--resume '" + common.out + "': /config: expected a JSON object");
    stored_status = f.has_attr("/", "status") ? f.attr_string("/", "status") : "";
  }
  // --resume continues --out in place: not a replacement, so no --force is asked for.
  if (resume) common.force = true;
  // With --resume the config is the run's own, unless --config is given too (as fm-sweep does):
  // then it must be the same config, but for train.steps, which a resume may raise.
  const fm::cfg::json cfg = fm::resolve_config(fm::train::train_defaults(), common, fm::train::train_opaque(),
                                               [&](fm::cfg::json& c) {
                                                 if (resume && common.config_file.empty()) c = stored;
                                                 if (seed) c["seed"] = *seed;
                                               });
  if (resume && !common.config_file.empty()) {
    fm::cfg::json a = cfg, b = stored;
    a["train"].erase("steps");
    b["train"].erase("steps");
    if (a != b) {
      const auto diff = fm::cfg::json::diff(b, a);
      fm::usage_error("--resume: --config '" + common.config_file + "' differs from the config stored in '" +
                      common.out + "' at " + (diff.empty() ? std::string("?") : diff[0].value("path", std::string("?"))) +
                      "; resume without --config, or start a new run");
    }
  }
  if (common.dump_config) std::cout << cfg.dump(2) << std::endl;  // then validated, as a run would
  const fm::train::TrainSpec spec = fm::train::parse_train_spec(cfg);
  if (common.dump_config) return 0;
  // The EMA weights are what fm-sample uses: after k steps they still hold ema^k of the initial
  // weights, so a short run at the default decay samples a half-trained average. Say so up front.
  const double initial_share = std::pow(spec.train.ema, static_cast<double>(spec.train.steps));
  if (spec.train.ema > 0 && initial_share > 0.01)
    std::cerr << "fm-train: warning: train.ema = " << spec.train.ema << " over " << spec.train.steps
              << " steps leaves " << static_cast<int>(std::round(100 * initial_share))
              << " % of the initial weights in the EMA model fm-sample uses; raise train.steps or lower train.ema\n";
  // A run that writes nothing is lost work: say so before training, not after.
  if (common.out.empty()) fm::usage_error("--out: required (the run file to write; fm-sample and fm-bound read it)");
  if (resume && stored_status == "complete" && cfg["train"]["steps"] == stored["train"]["steps"]) {
    // Rewriting a finished run would change nothing but its timings; leave the file as it is.
    std::cerr << "fm-train: '" << common.out << "' is already complete; nothing to resume (raise train.steps with "
                 "--set to train further)\n";
    return 0;
  }
  fm::train::Trainer trainer(spec);
  if (resume) {
    trainer.resume(fm::io::H5File::open(common.out));
    std::cerr << "fm-train: resuming '" << common.out << "' from its checkpoint at step " << trainer.current_step()
              << "\n";
  }
  // Ctrl-C, a kill or a Slurm time limit: say what is left and how to continue.
  if (spec.train.checkpoint_every > 0)
    fm::set_stop_message(common.out,
                         "fm-train: stopped; '" + common.out + "' holds the last checkpoint (written every " +
                             std::to_string(spec.train.checkpoint_every) + " steps). Resume with: fm-train --out '" +
                             common.out + "' --resume\n",
                         "fm-train: stopped before the first checkpoint; nothing was written. Start it again.\n");
  else {  // only the end writes the file: a file of that name is not this run's
    const std::string none = "fm-train: stopped; this run wrote nothing (set train.checkpoint_every to make a run "
                             "resumable)\n";
    fm::set_stop_message(common.out, none, none);
  }
  const auto r = trainer.run(common.out, {fm::command_line(argc, argv), spec.seed});
  if (common.json) std::cout << trainer.summary(r).to_json().dump() << "\n";
  if (!r.ok()) fm::runtime_error(r.stop_reason + (common.out.empty() ? "" : "; '" + common.out + "' was not written"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-train", [&] { return run(argc, argv); });
}
