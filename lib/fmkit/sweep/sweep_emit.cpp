#include "fmkit/sweep/sweep_emit.hpp"

#include <filesystem>
#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/sweep/sweep_dir.hpp"

namespace fm::sweep {
namespace {

// Single-quoted for the shell.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string emit_slurm(const std::string& dir, const std::string& sweep_bin) {
  const Manifest m = read_manifest(dir);
  const std::string abs = std::filesystem::absolute(dir).string();
  const cfg::json& r = m.slurm;
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# fmkit sweep of " << m.program << ": " << m.runs.size() << " runs, one array task each.\n"
    << "# Submit with `sbatch " << abs << "/sweep.slurm`; watch it with `fm-sweep status " << abs << "`;\n"
    << "# afterwards `fm-sweep merge " << abs << "` (a study split into runs: `fm-sweep gather " << abs
    << " --out STUDY.h5`).\n"
    << "#SBATCH --job-name=fmkit-" << m.program << "\n"
    << "#SBATCH --array=0-" << m.runs.size() - 1 << "\n"
    << "#SBATCH --cpus-per-task=" << r.value("cpus_per_task", 1) << "\n"
    << "#SBATCH --time=" << r.value("time", std::string("01:00:00")) << "\n"
    << "#SBATCH --mem=" << r.value("mem", std::string("4G")) << "\n"
    << "#SBATCH --output=" << abs << "/runs/slurm-%A_%a.log\n";
  if (!r.value("partition", std::string()).empty()) s << "#SBATCH --partition=" << r["partition"].get<std::string>() << "\n";
  for (const auto& e : r.value("extra", cfg::json::array())) s << "#SBATCH " << e.get<std::string>() << "\n";
  s << "set -euo pipefail\n"
    << "exec " << quote(sweep_bin) << " run-one " << quote(abs) << " --index \"$SLURM_ARRAY_TASK_ID\"\n";
  const std::string path = abs + "/sweep.slurm";
  write_file_atomic(path, s.str());
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  return path;
}

std::string emit_parallel(const std::string& dir, const std::string& sweep_bin) {
  const Manifest m = read_manifest(dir);
  const std::string abs = std::filesystem::absolute(dir).string();
  std::ostringstream s;
  for (const auto& [id, unused] : m.runs) s << quote(sweep_bin) << " run-one " << quote(abs) << " --id " << id << "\n";
  const std::string path = abs + "/jobs.txt";
  write_file_atomic(path, s.str());
  return path;
}

}  // namespace fm::sweep
