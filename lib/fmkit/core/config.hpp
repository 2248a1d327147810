// JSON configuration with strict keys: a program's defaults define the schema, user configs and
// dotted `--set a.b=v` overrides are merged over them, and any key the schema lacks is an error.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::cfg {

using json = nlohmann::json;

// Nesting deeper than this is refused before parsing (the parser recurses once per level).
inline constexpr std::size_t kMaxDepth = 512;

// Parses JSON text from the user (a file, an inline spec, a stored /config); a syntax error or
// absurd nesting is a usage error that names `what`.
json parse(const std::string& text, const std::string& what);

// Reads a JSON file; a missing file or a syntax error is a usage error naming the file.
json load_file(const std::string& path, const std::string& what = "config file");

// Applies one `key.sub=value` override. The value is parsed as JSON when it parses
// (numbers, true, [1,2], {"a":1}), otherwise taken as a string.
void apply_override(json& cfg, const std::string& assignment);

// Merges `user` over `defaults`. A user key absent from the defaults is an error:
// "unknown key 'stpes' in train; did you mean 'steps'?". Paths listed in `opaque` (e.g.
// "model", "train.source") hold free-form specs validated by their own parsers: a typed section
// ({"type": ...}) that names the default's type or none is merged key by key over the default
// (so `--set target.name=moons` keeps target.type); anything else is taken from the user
// verbatim. Types must match the default's JSON type (numbers mix).
json merge_strict(const json& defaults, const json& user, const std::set<std::string>& opaque = {});

// Rejects keys of object `j` (at dotted `where`) that are not in `allowed`, with a suggestion.
void expect_keys(const json& j, const std::string& where, const std::vector<std::string>& allowed);

// Typed access with errors that name the dotted path and the expected type.
const json& at(const json& j, const std::string& key, const std::string& where);
double number(const json& j, const std::string& key, const std::string& where);
double number_or(const json& j, const std::string& key, double def, const std::string& where);
long long integer(const json& j, const std::string& key, const std::string& where);
// Upper bounds for counts in configs. Past them a value is a typo (1e12 steps, 1e19 samples), not
// a plan: it would end in an allocation failure or a run of years.
inline constexpr long long kMaxSteps = 1'000'000'000;   // optimisation / solver steps
inline constexpr long long kMaxPoints = 100'000'000;    // points held in memory at once
inline constexpr long long kMaxGrid = 1'000'000;        // time-grid nodes, NFE, quadrature points
inline constexpr long long kMaxDim = 10'000;            // dimensions and layer widths (d × d matrices)

// An integer in [lo, hi] (sizes, counts): the bound keeps a typo like 1e12 from becoming an
// allocation failure or a week of work, and is named in the error.
long long count(const json& j, const std::string& key, const std::string& where, long long lo, long long hi);
// The same check on a JSON value itself (a list element); `where` names it, e.g. "config.n[3]".
long long as_count(const json& v, const std::string& where, long long lo, long long hi);
long long integer_or(const json& j, const std::string& key, long long def, const std::string& where);
std::string string(const json& j, const std::string& key, const std::string& where);
std::string string_or(const json& j, const std::string& key, const std::string& def,
                      const std::string& where);
bool boolean_or(const json& j, const std::string& key, bool def, const std::string& where);
Vec vector(const json& j, const std::string& key, const std::string& where);
Square matrix(const json& j, const std::string& key, const std::string& where);
// Converts a JSON value itself (not a key of it).
Vec as_vector(const json& v, const std::string& where);
Square as_matrix(const json& v, const std::string& where);

// Closest candidate by edit distance, or "" when nothing is reasonably close.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);
std::string join_path(const std::string& where, const std::string& key);

}  // namespace fm::cfg
