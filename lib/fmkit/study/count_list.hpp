// A config list of whole numbers (step counts, seeds, sample sizes), the one parser the studies
// share: each entry an integer in [lo, hi], each error naming the entry (`where.key[i]`).
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"

namespace fm::study {

// `what` names the entries in the message for a missing or non-list value ("step counts");
// `non_empty` refuses an empty list.
std::vector<long long> count_list(const cfg::json& j, const std::string& key, const std::string& where, long long lo,
                                  long long hi, const std::string& what, bool non_empty = true);

}  // namespace fm::study
