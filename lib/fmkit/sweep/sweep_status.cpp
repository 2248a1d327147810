#include "fmkit/sweep/sweep_status.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <utility>

#include "fmkit/sweep/run_lock.hpp"
#include "fmkit/sweep/sweep_dir.hpp"

namespace fm::sweep {

namespace fs = std::filesystem;

SweepReport sweep_status(const std::string& dir) {
  const Manifest m = read_manifest(dir);
  SweepReport r;
  r.program = m.program;
  for (const auto& [id, overrides] : m.runs) {
    const RunStatus st = read_status(dir, id);
    RunReport rr{id, overrides, st.status, ""};
    const std::string rd = run_dir(dir, id);
    std::error_code ec;
    if (st.status == "complete") {
      ++r.complete;
      r.complete_wall_s += st.wall_time_s;
    } else if (run_locked(rd)) {  // also a failed run being retried by a later invocation
      rr.status = "running";
      rr.detail = last_line(rd + "/stderr.log");
      ++r.running;
    } else if (st.status == "failed") {
      ++r.failed;
      rr.detail = st.error;
    } else if (output_checkpoint(dir, id)) {
      rr.status = "resumable";
      rr.detail = last_line(rd + "/stderr.log");
      ++r.resumable;
    } else if (fs::exists(rd + "/out.h5.tmp", ec) ||
               (fs::exists(rd + "/stderr.log", ec) && fs::file_size(rd + "/stderr.log", ec) > 0)) {
      rr.status = "interrupted";
      rr.detail = last_line(rd + "/stderr.log");
      ++r.interrupted;
    } else {
      ++r.pending;
    }
    r.runs.push_back(std::move(rr));
  }
  return r;
}

std::string format_status(const SweepReport& r, const std::string& dir) {
  std::ostringstream o;
  char hours[32];
  std::snprintf(hours, sizeof hours, "%.1f", r.complete_wall_s / 3600.0);
  o << dir << ": " << r.runs.size() << " runs of " << r.program << ": " << r.complete << " complete (" << hours
    << " h of run time), " << r.running << " running, " << r.resumable << " resumable, " << r.interrupted
    << " interrupted, " << r.failed << " failed, " << r.pending << " not started\n";
  const std::pair<const char*, const char*> kinds[] = {
      {"running", "running now:"},
      {"resumable", "interrupted with a checkpoint (a rerun continues from it):"},
      {"interrupted", "interrupted without a checkpoint (a rerun redoes them):"},
      {"failed", "failed:"}};
  for (const auto& [kind, header] : kinds) {
    bool first = true;
    for (const RunReport& rr : r.runs) {
      if (rr.status != kind) continue;
      if (std::exchange(first, false)) o << header << "\n";
      o << "  " << rr.id << " " << rr.overrides.dump() << "\n    " << (rr.detail.empty() ? "(no log yet)" : rr.detail)
        << "\n";
    }
  }
  return o.str();
}

}  // namespace fm::sweep
