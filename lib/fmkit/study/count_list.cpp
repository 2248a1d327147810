#include "fmkit/study/count_list.hpp"

#include "fmkit/core/error.hpp"

namespace fm::study {

std::vector<long long> count_list(const cfg::json& j, const std::string& key, const std::string& where, long long lo,
                                  long long hi, const std::string& what, bool non_empty) {
  const cfg::json& l = cfg::at(j, key, where);
  const std::string w = cfg::join_path(where, key);
  if (!l.is_array() || (non_empty && l.empty()))
    usage_error(w + ": expected a " + (non_empty ? "non-empty " : "") + "list of " + what);
  std::vector<long long> out;
  for (std::size_t i = 0; i < l.size(); ++i) out.push_back(cfg::as_count(l[i], w + "[" + std::to_string(i) + "]", lo, hi));
  return out;
}

}  // namespace fm::study
