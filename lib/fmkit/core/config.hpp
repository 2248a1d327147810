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

// Reads a JSON file; a missing file or a syntax error is a usage error naming the file.
json load_file(const std::string& path, const std::string& what = "config file");

// Applies one `key.sub=value` override. The value is parsed as JSON when it parses
// (numbers, true, [1,2], {"a":1}), otherwise taken as a string.
void apply_override(json& cfg, const std::string& assignment);

// Merges `user` over `defaults`. A user key absent from the defaults is an error:
// "unknown key 'stpes' in train; did you mean 'steps'?". Paths listed in `opaque` (e.g.
// "model", "train.source") hold free-form specs validated by their own parsers, and are
// taken from the user verbatim. Types must match the default's JSON type (numbers mix).
json merge_strict(const json& defaults, const json& user, const std::set<std::string>& opaque = {});

// Rejects keys of object `j` (at dotted `where`) that are not in `allowed`, with a suggestion.
void expect_keys(const json& j, const std::string& where, const std::vector<std::string>& allowed);

// Typed access with errors that name the dotted path and the expected type.
const json& at(const json& j, const std::string& key, const std::string& where);
double number(const json& j, const std::string& key, const std::string& where);
double number_or(const json& j, const std::string& key, double def, const std::string& where);
long long integer(const json& j, const std::string& key, const std::string& where);
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
