#include "fmkit/sweep/sweep_gather.hpp"

#include <algorithm>

#include "fmkit/core/error.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/sweep/sweep_dir.hpp"

namespace fm::sweep {

namespace {

using cfg::json;

// Removes the dotted `key` from `c` (what a run's overrides set differs between runs).
void erase_dotted(json& c, const std::string& key) {
  json* node = &c;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    const std::string part = key.substr(start, dot - start);
    if (!node->is_object() || !node->contains(part)) return;
    node = &(*node)[part];
  }
  if (node->is_object()) node->erase(key.substr(start));
}

// A study's groups of examples beside its tables (samples, trajectories, curves: what its plots
// show, kept per run) are not joined: gather keeps the tables. (fm-sample's /samples is a
// dataset, not such a group, and stays refused.)
bool is_example_group(const std::string& name) {
  for (const char* g : {"samples", "trajectories", "train_loss", "sd_chi2", "conditional_samples",
                        "super_resolution_samples"})
    if (name == g) return true;
  return false;
}

}  // namespace

GatherResult gather(const std::string& dir, const std::string& out, bool partial) {
  const Manifest m = read_manifest(dir);
  std::vector<bool> done;
  json missing = json::array();
  std::string first;
  for (const auto& [id, overrides] : m.runs) {
    done.push_back(output_complete(dir, id));
    if (done.back()) continue;
    if (missing.empty()) first = id + " (" + read_status(dir, id).status + ")";
    missing.push_back(id);
  }
  const std::string counts = std::to_string(missing.size()) + " of " + std::to_string(m.runs.size());
  if (!partial && !missing.empty())
    runtime_error("gather " + dir + ": " + counts + " runs are not complete, first " + first +
                  "; rerun the sweep (it continues) and gather again, or gather --partial for a look at the "
                  "complete ones");
  if (missing.size() == m.runs.size())
    runtime_error("gather " + dir + ": no run is complete yet (" + counts + " are not), nothing to gather");

  GatherResult res;
  res.missing = static_cast<int>(missing.size());
  std::vector<std::pair<std::string, io::Table>> tables;  // in first-seen order
  json runs = json::array();
  json shared;
  double wall = 0;
  for (std::size_t k = 0; k < m.runs.size(); ++k) {
    if (!done[k]) continue;
    const auto& [id, overrides] = m.runs[k];
    const std::string path = run_dir(dir, id) + "/out.h5";
    const io::H5File f = io::H5File::open(path);
    for (const std::string& name : f.members("/")) {
      if (name == "config" || (is_example_group(name) && !f.is_dataset("/" + name))) continue;
      const std::string group = "/" + name;
      for (const std::string& col : f.is_dataset(group) ? std::vector<std::string>{""} : f.members(group))
        if (col.empty() || !f.is_dataset(group + "/" + col) || f.dims(group + "/" + col).size() != 1)
          usage_error("gather: " + path + ": '" + group + "' is not a table of 1-D columns; gather joins studies "
                      "whose output is tables (fm-sdfm-study, fm-tv-study, fm-dfm-study), not " + m.program);
      io::Table t = io::Table::read(f, group);
      t.fill("run_id", id);
      auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& p) { return p.first == name; });
      if (it == tables.end()) tables.emplace_back(name, std::move(t));
      else it->second.append(t);
    }
    if (f.has_attr("/", "wall_time_s")) wall += f.attr_double("/", "wall_time_s");
    runs.push_back({{"id", id}, {"overrides", overrides}});
    if (shared.is_null()) {
      shared = cfg::load_file(run_dir(dir, id) + "/config.json", "run config");
      for (const auto& key : m.keys) erase_dotted(shared, key);
    }
    ++res.runs;
  }
  io::H5File o = io::H5File::create(out);
  io::write_build_attrs(o);
  o.set_attr("/", "command_line", "fm-sweep gather " + dir + (partial ? " --partial" : ""));
  o.set_attr("/", "program", m.program);
  o.set_attr("/", "runs", static_cast<long long>(res.runs));
  o.set_attr("/", "runs_missing", static_cast<long long>(res.missing));
  o.set_attr("/", "wall_time_s", wall);
  o.write("/config", json{{"gathered_from", dir}, {"program", m.program}, {"swept_keys", m.keys}, {"runs", runs},
                          {"missing_runs", missing}, {"shared", shared}}
                         .dump(2));
  for (const auto& [name, t] : tables) {
    t.write(o, "/" + name);
    res.rows[name] = t.rows();
  }
  o.commit();
  return res;
}

}  // namespace fm::sweep
