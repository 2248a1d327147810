#include "fmkit/sweep/sweep.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"

namespace fm::sweep {
namespace {

using cfg::json;

// One axis as columns of equal length: {key: values}.
std::vector<std::pair<std::string, json>> parse_axis(const json& a, const std::string& w) {
  if (!a.is_object())
    usage_error(w + ": expected {\"key\": K, \"values\": [..]}, {\"zip\": {K: [..], ..}} or "
                    "{\"runs\": [{K: V, ..}, ..]}");
  std::vector<std::pair<std::string, json>> cols;
  if (a.contains("runs")) {
    // A zip written row by row: legible when each run sets several keys to unrelated values.
    cfg::expect_keys(a, w, {"runs"});
    const json& rows = a["runs"];
    if (!rows.is_array() || rows.empty()) usage_error(w + ".runs: expected a non-empty list of override objects");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::string wr = w + ".runs[" + std::to_string(i) + "]";
      if (!rows[i].is_object() || rows[i].empty()) usage_error(wr + ": expected an object of dotted key → value");
      if (i == 0)
        for (const auto& [k, v] : rows[0].items()) cols.emplace_back(k, json::array());
      if (rows[i].size() != cols.size())
        usage_error(wr + ": sets " + std::to_string(rows[i].size()) + " keys but runs[0] sets " +
                    std::to_string(cols.size()) + " (every run of the axis sets the same keys)");
      for (auto& [k, col] : cols) {
        if (!rows[i].contains(k)) usage_error(wr + ": '" + k + "' is missing (runs[0] sets it)");
        col.push_back(rows[i][k]);
      }
    }
  } else if (a.contains("zip")) {
    cfg::expect_keys(a, w, {"zip"});
    if (!a["zip"].is_object() || a["zip"].empty()) usage_error(w + ".zip: expected an object of dotted key → list");
    for (const auto& [k, v] : a["zip"].items()) cols.emplace_back(k, v);
  } else {
    cfg::expect_keys(a, w, {"key", "values"});
    cols.emplace_back(cfg::string(a, "key", w), cfg::at(a, "values", w));
  }
  for (const auto& [k, v] : cols) {
    if (!v.is_array() || v.empty()) usage_error(w + ": the values of '" + k + "' must be a non-empty list");
    if (v.size() != cols.front().second.size())
      usage_error(w + ".zip: '" + k + "' has " + std::to_string(v.size()) + " values but '" + cols.front().first +
                  "' has " + std::to_string(cols.front().second.size()) + " (zipped lists must be equally long)");
  }
  return cols;
}

}  // namespace

const std::vector<std::string>& sweepable_programs() {
  static const std::vector<std::string> p{"fm-train", "fm-sample", "fm-kl-study", "fm-dfm-study", "fm-sdfm-study",
                                          "fm-tv-study"};
  return p;
}

std::string run_id(const json& overrides) {
  // nlohmann's objects are key-sorted, so dump() is canonical for equal override sets.
  // FNV-1a, then a splitmix64 finaliser so that runs differing in one digit get unlike ids.
  std::uint64_t h = purpose_id(overrides.dump());
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  h ^= h >> 31;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(h >> 16));
  std::string id = "r";  // appended, not "r" + buf: GCC 12 warns falsely (-Wrestrict) on that
  return id += buf;
}

Sweep parse_sweep(const json& spec, const std::string& base_dir, const std::string& where) {
  if (!spec.is_object()) usage_error(where + ": expected a sweep object");
  cfg::expect_keys(spec, where, {"program", "base", "axes", "slurm"});
  Sweep s;
  s.program = cfg::string(spec, "program", where);
  const auto& progs = sweepable_programs();
  if (std::find(progs.begin(), progs.end(), s.program) == progs.end()) {
    std::string list;
    for (const auto& p : progs) list += (list.empty() ? "" : ", ") + p;
    usage_error(where + ".program: '" + s.program + "' cannot be swept (expected one of " + list + ")");
  }
  json base = json::object();
  if (spec.contains("base")) {
    if (spec["base"].is_string()) {
      const std::filesystem::path p = std::filesystem::path(base_dir) / spec["base"].get<std::string>();
      base = cfg::load_file(p.string(), where + ".base");
    } else if (spec["base"].is_object()) {
      base = spec["base"];
    } else {
      usage_error(where + ".base: expected a config object or the path of a config file");
    }
  }
  s.slurm = {{"time", "01:00:00"}, {"mem", "4G"}, {"cpus_per_task", 1}, {"partition", ""}, {"extra", json::array()}};
  if (spec.contains("slurm")) {
    cfg::expect_keys(spec["slurm"], where + ".slurm", {"time", "mem", "cpus_per_task", "partition", "extra"});
    for (const auto& [k, v] : spec["slurm"].items()) s.slurm[k] = v;
    const std::string ws = where + ".slurm";
    cfg::count(s.slurm, "cpus_per_task", ws, 1, 4096);
    for (const char* k : {"time", "mem", "partition"}) script_safe(cfg::string(s.slurm, k, ws), cfg::join_path(ws, k));
    const json& extra = s.slurm["extra"];
    if (!extra.is_array()) usage_error(ws + ".extra: expected a list of #SBATCH option strings");
    for (std::size_t i = 0; i < extra.size(); ++i) {
      const std::string wi = ws + ".extra[" + std::to_string(i) + "]";
      if (!extra[i].is_string()) usage_error(wi + ": expected a string such as \"--qos=short\"");
      script_safe(extra[i].get<std::string>(), wi);
    }
  }
  const json& axes = cfg::at(spec, "axes", where);
  if (!axes.is_array() || axes.empty()) usage_error(where + ".axes: expected a non-empty list of axes");
  std::vector<std::vector<std::pair<std::string, json>>> parsed;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    parsed.push_back(parse_axis(axes[i], where + ".axes[" + std::to_string(i) + "]"));
    for (const auto& [k, v] : parsed.back()) {
      if (!seen.insert(k).second) usage_error(where + ".axes[" + std::to_string(i) + "]: key '" + k + "' is swept twice");
      s.keys.push_back(k);
    }
  }
  // The Cartesian product, the first axis outermost (an odometer over the axis positions).
  std::vector<std::size_t> pos(parsed.size(), 0);
  std::set<std::string> ids;
  while (true) {
    Run r;
    r.overrides = json::object();
    r.config = base;
    for (std::size_t a = 0; a < parsed.size(); ++a)
      for (const auto& [k, v] : parsed[a]) {
        r.overrides[k] = v[pos[a]];
        cfg::apply_override(r.config, k + "=" + v[pos[a]].dump());
      }
    r.id = run_id(r.overrides);
    if (!ids.insert(r.id).second) usage_error(where + ".axes: two runs have identical overrides " + r.overrides.dump());
    s.runs.push_back(std::move(r));
    std::size_t a = parsed.size();
    while (a > 0) {
      --a;
      if (++pos[a] < parsed[a].front().second.size()) break;
      pos[a] = 0;
      if (a == 0) return s;
    }
  }
}

Sweep load_sweep(const std::string& path) {
  const json spec = cfg::load_file(path, "sweep file");
  return parse_sweep(spec, std::filesystem::path(path).parent_path().string(), "sweep");
}

void script_safe(const std::string& value, const std::string& where) {
  // A newline would end the #SBATCH or comment line it sits in and make the rest a shell command.
  for (const char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      usage_error(where + ": control characters (newline, tab, ...) are not allowed in a value written into a job script");
}

}  // namespace fm::sweep
