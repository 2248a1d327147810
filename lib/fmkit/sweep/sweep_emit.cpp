#include "fmkit/sweep/sweep_emit.hpp"

#include <filesystem>
#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/sweep/sweep_dir.hpp"
#include "fmkit/sweep/sweep.hpp"

namespace fm::sweep {
namespace {

// Single-quoted for the shell.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The sweep directory and the program path go into the script: both are checked, and every use
// is quoted.
std::string checked_dir(const std::string& dir, const std::string& sweep_bin) {
  const std::string abs = std::filesystem::absolute(dir).string();
  script_safe(abs, "--out");
  script_safe(sweep_bin, "the fm-sweep path");
  return abs;
}

}  // namespace

std::string emit_slurm(const std::string& dir, const std::string& sweep_bin) {
  const Manifest m = read_manifest(dir);
  const std::string abs = checked_dir(dir, sweep_bin);
  // sbatch reads #SBATCH values with double quotes, not the shell's single ones.
  if (abs.find('"') != std::string::npos) usage_error("--out '" + abs + "': a Slurm script cannot name a path with '\"'");
  // The manifest on disk is read again here: its values are checked as the sweep file's were.
  const cfg::json& r = m.slurm;
  const std::string w = "'" + abs + "/sweep.json' slurm";
  // The task's cores all go to its run's program (before, every run got one thread whatever it asked).
  const long long cpus = cfg::count(r, "cpus_per_task", w, 1, 4096);
  const std::string time = cfg::string(r, "time", w), mem = cfg::string(r, "mem", w),
                    partition = cfg::string(r, "partition", w);
  for (const auto& [k, v] : {std::pair{"time", time}, {"mem", mem}, {"partition", partition}})
    script_safe(v, cfg::join_path(w, k));
  const cfg::json& extra = cfg::at(r, "extra", w);
  if (!extra.is_array()) usage_error(w + ".extra: expected a list of strings");
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# fmkit sweep of " << m.program << ": " << m.runs.size() << " runs, one array task each.\n"
    << "# Submit with `sbatch " << quote(abs + "/sweep.slurm") << "`; watch it with `fm-sweep status " << quote(abs)
    << "`;\n"
    << "# afterwards `fm-sweep merge " << quote(abs) << "` (a study split into runs: `fm-sweep gather " << quote(abs)
    << " --out STUDY.h5`).\n"
    << "#SBATCH --job-name=fmkit-" << m.program << "\n"
    << "#SBATCH --array=0-" << m.runs.size() - 1 << "\n"
    << "#SBATCH --cpus-per-task=" << cpus << "\n"
    << "#SBATCH --time=" << time << "\n"
    << "#SBATCH --mem=" << mem << "\n"
    << "#SBATCH --output=\"" << abs << "/runs/slurm-%A_%a.log\"\n";
  if (!partition.empty()) s << "#SBATCH --partition=" << partition << "\n";
  for (std::size_t i = 0; i < extra.size(); ++i) {
    const std::string wi = w + ".extra[" + std::to_string(i) + "]";
    if (!extra[i].is_string()) usage_error(wi + ": expected a string");
    script_safe(extra[i].get<std::string>(), wi);
    s << "#SBATCH " << extra[i].get<std::string>() << "\n";
  }
  s << "set -euo pipefail\n"
    << "exec " << quote(sweep_bin) << " run-one " << quote(abs) << " --index \"$SLURM_ARRAY_TASK_ID\" --run-threads "
    << cpus << "\n";
  const std::string path = abs + "/sweep.slurm";
  write_file_atomic(path, s.str());
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  return path;
}

std::string emit_parallel(const std::string& dir, const std::string& sweep_bin) {
  const Manifest m = read_manifest(dir);
  const std::string abs = checked_dir(dir, sweep_bin);
  std::ostringstream s;
  for (const auto& [id, unused] : m.runs) s << quote(sweep_bin) << " run-one " << quote(abs) << " --id " << id << "\n";
  const std::string path = abs + "/jobs.txt";
  write_file_atomic(path, s.str());
  return path;
}

}  // namespace fm::sweep
