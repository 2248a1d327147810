#include "fmkit/sweep/sweep_status.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

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
    if (st.status == "complete") {
      ++r.complete;
      r.complete_wall_s += st.wall_time_s;
    } else if (st.status == "failed") {
      ++r.failed;
      rr.detail = st.error;
    } else {
      std::error_code ec;
      const bool log = fs::exists(rd + "/stderr.log", ec) && fs::file_size(rd + "/stderr.log", ec) > 0;
      if (fs::exists(rd + "/out.h5.tmp", ec) || log) {
        rr.status = "started";
        rr.detail = last_line(rd + "/stderr.log");
        ++r.started;
      } else {
        ++r.pending;
      }
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
    << " h of run time), " << r.failed << " failed, " << r.started << " started, " << r.pending << " not started\n";
  for (const char* kind : {"failed", "started"}) {
    bool header = false;
    for (const RunReport& rr : r.runs) {
      if (rr.status != kind) continue;
      if (!header)
        o << (rr.status == "failed" ? "failed:\n" : "started (running, or interrupted and to be redone):\n");
      header = true;
      o << "  " << rr.id << " " << rr.overrides.dump() << "\n    " << (rr.detail.empty() ? "(no log yet)" : rr.detail)
        << "\n";
    }
  }
  return o.str();
}

}  // namespace fm::sweep
