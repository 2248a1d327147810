// A study config's optional "only": the names of the datasets (targets) to run this time, or null
// for all of them. Seeds keep deriving from each entry's position in the full list, so a study split
// by name into several runs — a sweep's tasks, on a cluster or resumed one by one — reproduces the
// rows of the single full run bit-identically.
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"

namespace fm::study {

// selected[i] says whether names[i] runs. `list_where` names the list the names come from (for the
// messages). A name used twice in the list, an unknown or repeated name in "only", or an "only" that
// is not null or a list of strings is a usage error naming the key.
// `only` is the key's value (null when absent), `only_where` its dotted path for messages, and
// `field` the key under which the list's entries carry their names.
std::vector<bool> select_by_name(const cfg::json& only, const std::string& only_where,
                                 const std::vector<std::string>& names, const std::string& list_where,
                                 const std::string& field = "name");

// The training runs of a block: its selected datasets × its selected couplings × seeds.
long selected_runs(const std::vector<bool>& datasets, const std::vector<bool>& couplings, std::size_t seeds);

// Those runs one by one, in the order of the loops over dataset, coupling and seed (the order of
// the block's rows when they run side by side).
struct RunIndex {
  std::size_t dataset, coupling, seed;
};
std::vector<RunIndex> selected_run_list(const std::vector<bool>& datasets, const std::vector<bool>& couplings,
                                        std::size_t seeds);

}  // namespace fm::study
