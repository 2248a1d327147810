#include "fmkit/sweep/sweep_merge.hpp"

#include <algorithm>
#include <filesystem>
#include <variant>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/sweep/sweep_dir.hpp"

namespace fm::sweep {

MergeCounts merge(const std::string& dir) {
  const Manifest m = read_manifest(dir);
  io::Table t;
  MergeCounts c;
  // A key swept over integers (a seed, a step count) stays an integer column; one with any
  // fractional value is a double column throughout (a column has one type).
  std::vector<bool> integral(m.keys.size(), true);
  for (const auto& [id, overrides] : m.runs)
    for (std::size_t k = 0; k < m.keys.size(); ++k)
      integral[k] = integral[k] && !(overrides.at(m.keys[k]).is_number() && !overrides.at(m.keys[k]).is_number_integer());
  for (const auto& [id, overrides] : m.runs) {
    const RunStatus st = read_status(dir, id);
    t.add_row();
    t.set("run_id", id);
    for (std::size_t k = 0; k < m.keys.size(); ++k) {
      const std::string& key = m.keys[k];
      const cfg::json& v = overrides.at(key);
      if (v.is_number() && integral[k]) t.set(key, v.get<long long>());
      else if (v.is_number()) t.set(key, v.get<double>());
      else if (v.is_string()) t.set(key, v.get<std::string>());
      else t.set(key, v.dump());  // lists, objects and booleans as their JSON text
    }
    t.set("run_status", st.status);
    t.set("run_exit_code", static_cast<long long>(st.exit_code));
    t.set("run_attempts", static_cast<long long>(st.attempts));
    t.set("run_error", st.error);
    t.set("run_wall_s", st.wall_time_s);
    (st.status == "complete" ? c.complete : st.status == "failed" ? c.failed : c.pending)++;
    long long rows = 0;
    if (st.status == "complete") {
      const io::H5File f = io::H5File::open(run_dir(dir, id) + "/out.h5");
      if (f.exists("/summary")) {
        const io::Table s = io::Table::read(f, "/summary");
        rows = static_cast<long long>(s.rows());
        if (s.rows() == 1)
          for (const auto& col : s.columns()) {
            // The sweep's own columns win a name clash; the run's value is kept under run.<name>.
            const bool clash = col == "run_id" || col.rfind("run_", 0) == 0 ||
                               std::find(m.keys.begin(), m.keys.end(), col) != m.keys.end();
            std::visit([&](const auto& v) { t.set(clash ? "run." + col : col, v); }, s.get(0, col));
          }
      }
    }
    t.set("summary_rows", rows);
  }
  io::H5File out = io::H5File::create((std::filesystem::path(dir) / "summary.h5").string());
  t.write(out, "/summary");
  out.set_attr("/", "program", m.program);
  out.set_attr("/", "runs", static_cast<long long>(m.runs.size()));
  out.set_attr("/", "complete", static_cast<long long>(c.complete));
  out.set_attr("/", "failed", static_cast<long long>(c.failed));
  out.commit();
  return c;
}

}  // namespace fm::sweep
