#include "fmkit/study/name_selection.hpp"

#include <algorithm>
#include <set>

#include "fmkit/core/error.hpp"

namespace fm::study {

std::vector<bool> select_by_name(const cfg::json& only, const std::string& only_where,
                                 const std::vector<std::string>& names, const std::string& list_where,
                                 const std::string& field) {
  // Entries are found by name here and grouped by name in the report: a repeated one is ambiguous.
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (names[i] == names[j])
        usage_error(list_where + "[" + std::to_string(i) + "]." + field + ": '" + names[i] + "' is also the " + field +
                    " of " + list_where + "[" + std::to_string(j) + "]; " + field + "s must be unique");
  if (only.is_null()) return std::vector<bool>(names.size(), true);
  if (!only.is_array())
    usage_error(only_where + ": expected null (all of " + list_where + ") or a list of " + field + "s");
  std::vector<bool> selected(names.size(), false);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < only.size(); ++i) {
    const std::string where = only_where + "[" + std::to_string(i) + "]";
    if (!only[i].is_string())
      usage_error(where + ": expected a " + field + " from " + list_where + ", got " + only[i].dump());
    const std::string name = only[i].get<std::string>();
    if (!seen.insert(name).second) usage_error(where + ": '" + name + "' is listed twice");
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      const std::string near = cfg::closest(name, names);
      usage_error(where + ": '" + name + "' is not a " + field + " in " + list_where +
                  (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    selected[static_cast<std::size_t>(it - names.begin())] = true;
  }
  return selected;
}

std::vector<RunIndex> selected_run_list(const std::vector<bool>& datasets, const std::vector<bool>& couplings,
                                        std::size_t seeds) {
  std::vector<RunIndex> runs;
  for (std::size_t di = 0; di < datasets.size(); ++di) {
    if (!datasets[di]) continue;
    for (std::size_t ci = 0; ci < couplings.size(); ++ci) {
      if (!couplings[ci]) continue;
      for (std::size_t si = 0; si < seeds; ++si) runs.push_back({di, ci, si});
    }
  }
  return runs;
}

long selected_runs(const std::vector<bool>& datasets, const std::vector<bool>& couplings, std::size_t seeds) {
  return static_cast<long>(selected_run_list(datasets, couplings, seeds).size());
}

}  // namespace fm::study
