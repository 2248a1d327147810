#include "fmkit/core/config.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <fstream>
#include <sstream>

#include "fmkit/core/error.hpp"

namespace fm::cfg {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string type_name(const json& v) {
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

[[noreturn]] void unknown_key(const std::string& key, const std::string& where,
                              const std::vector<std::string>& allowed) {
  std::string msg = "unknown key '" + key + "'";
  msg += where.empty() ? " at top level" : " in " + where;
  const std::string near = closest(key, allowed);
  if (!near.empty()) msg += "; did you mean '" + near + "'?";
  else if (!allowed.empty()) {
    msg += " (allowed:";
    for (const auto& a : allowed) msg += " " + a;
    msg += ")";
  }
  usage_error(msg);
}

bool same_kind(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return true;
  return a.type() == b.type();
}

json merge_at(const json& def, const json& user, const std::string& where,
              const std::set<std::string>& opaque) {
  if (opaque.count(where)) {
    // A typed section ({"type": ..., ...}) given in part keeps the default keys it leaves out, as
    // long as it names no other type (the defaults of one type mean nothing to another). Its own
    // parser checks the keys; lists and other values replace the default whole.
    const bool same_type = def.is_object() && user.is_object() &&
                           (!user.contains("type") || (def.contains("type") && user["type"] == def["type"]));
    if (!same_type) return user;
    json out = def;
    out.merge_patch(user);
    return out;
  }
  if (def.is_null()) return user;
  if (!same_kind(def, user)) {
    usage_error((where.empty() ? std::string("config") : where) + ": expected " + type_name(def) +
                ", got " + type_name(user));
  }
  if (!def.is_object()) {
    if (def.is_number_integer() && (user.is_number_float() || user.is_number_unsigned()))
      return json(integer(json{{"", user}}, "", where));  // whole and within range, or an error naming `where`
    return user;
  }
  std::vector<std::string> allowed;
  for (auto it = def.begin(); it != def.end(); ++it) allowed.push_back(it.key());
  json out = def;
  for (auto it = user.begin(); it != user.end(); ++it) {
    if (!def.contains(it.key())) unknown_key(it.key(), where, allowed);
    out[it.key()] = merge_at(def[it.key()], it.value(), join_path(where, it.key()), opaque);
  }
  return out;
}

}  // namespace

std::string join_path(const std::string& where, const std::string& key) {
  if (key.empty()) return where;  // a value addressed by its own path (as_count, merge checks)
  return where.empty() ? key : where + "." + key;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(word, c);
    if (dist < best_d) best_d = dist, best = c;
  }
  // Suggest only plausible typos: at most a third of the word's letters changed.
  if (best_d == 0 || best_d > std::max<std::size_t>(2, word.size() / 3)) return "";
  return best;
}

namespace {

// Deepest [ / { nesting outside strings, counted without recursion.
std::size_t nesting_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

json parse(const std::string& text, const std::string& what) {
  // nlohmann's parser recurses once per level: a file nested 200,000 deep overflows the stack.
  if (nesting_depth(text) > kMaxDepth)
    usage_error(what + ": JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, ...".
    std::string m = e.what();
    const auto close = m.find("] ");
    if (close != std::string::npos) m = m.substr(close + 2);
    usage_error(what + ": invalid JSON (" + m + ")");
  }
}

json load_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) usage_error(what + " '" + path + "': cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), what + " '" + path + "'");
}

void apply_override(json& cfg, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    usage_error("--set '" + assignment + "': expected key.path=value");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  json value;
  try {
    value = nesting_depth(text) > kMaxDepth ? json(text) : json::parse(text);
  } catch (const json::parse_error&) {
    value = text;
  }
  json* node = &cfg;
  std::string where;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) usage_error("--set '" + assignment + "': empty component in key path");
    if (!node->is_object()) {
      if (!node->is_null()) usage_error("--set '" + assignment + "': '" + where + "' is not an object");
      *node = json::object();
    }
    where = join_path(where, part);
    if (dot == std::string::npos) {
      (*node)[part] = value;
      return;
    }
    node = &(*node)[part];
    start = dot + 1;
  }
}

json merge_strict(const json& defaults, const json& user, const std::set<std::string>& opaque) {
  if (!user.is_object()) usage_error("config: expected a JSON object at top level, got " + type_name(user));
  return merge_at(defaults, user, "", opaque);
}

void expect_keys(const json& j, const std::string& where, const std::vector<std::string>& allowed) {
  if (!j.is_object()) usage_error(where + ": expected an object, got " + type_name(j));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      unknown_key(it.key(), where, allowed);
  }
}

const json& at(const json& j, const std::string& key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) usage_error(join_path(where, key) + ": missing required key");
  return j.at(key);
}

double number(const json& j, const std::string& key, const std::string& where) {
  const json& v = at(j, key, where);
  if (!v.is_number()) usage_error(join_path(where, key) + ": expected a number, got " + type_name(v));
  const double x = v.get<double>();
  if (!std::isfinite(x)) usage_error(join_path(where, key) + ": expected a finite number");
  return x;
}

double number_or(const json& j, const std::string& key, double def, const std::string& where) {
  return j.contains(key) ? number(j, key, where) : def;
}

long long integer(const json& j, const std::string& key, const std::string& where) {
  const json& v = at(j, key, where);
  // 2^63 is exact in a double; anything at or past it would wrap (1e19 became -9223372036854775808).
  constexpr double kLimit = 9223372036854775808.0;
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(INT64_MAX))
    usage_error(join_path(where, key) + ": " + v.dump() + " is out of range");
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (std::isfinite(x) && x == std::floor(x)) {
      if (x >= kLimit || x < -kLimit) usage_error(join_path(where, key) + ": " + v.dump() + " is out of range");
      return static_cast<long long>(x);
    }
  }
  usage_error(join_path(where, key) + ": expected an integer, got " + (v.is_number() ? v.dump() : type_name(v)));
}

long long count(const json& j, const std::string& key, const std::string& where, long long lo, long long hi) {
  const long long n = integer(j, key, where);
  if (n < lo || n > hi)
    usage_error(join_path(where, key) + ": expected an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], got " + std::to_string(n));
  return n;
}

long long as_count(const json& v, const std::string& where, long long lo, long long hi) {
  return count(json{{"", v}}, "", where, lo, hi);  // the empty key: `where` names the value itself
}

long long integer_or(const json& j, const std::string& key, long long def, const std::string& where) {
  return j.contains(key) ? integer(j, key, where) : def;
}

std::string string(const json& j, const std::string& key, const std::string& where) {
  const json& v = at(j, key, where);
  if (!v.is_string()) usage_error(join_path(where, key) + ": expected a string, got " + type_name(v));
  return v.get<std::string>();
}

std::string string_or(const json& j, const std::string& key, const std::string& def,
                      const std::string& where) {
  return j.contains(key) ? string(j, key, where) : def;
}

bool boolean_or(const json& j, const std::string& key, bool def, const std::string& where) {
  if (!j.contains(key)) return def;
  const json& v = j.at(key);
  if (!v.is_boolean()) usage_error(join_path(where, key) + ": expected true or false, got " + type_name(v));
  return v.get<bool>();
}

Vec as_vector(const json& v, const std::string& where) {
  if (!v.is_array()) usage_error(where + ": expected an array of numbers, got " + type_name(v));
  Vec out(static_cast<Index>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) usage_error(where + "[" + std::to_string(i) + "]: expected a number");
    out[static_cast<Index>(i)] = v[i].get<double>();
    if (!std::isfinite(out[static_cast<Index>(i)]))
      usage_error(where + "[" + std::to_string(i) + "]: expected a finite number");
  }
  return out;
}

Square as_matrix(const json& v, const std::string& where) {
  if (!v.is_array() || v.empty()) usage_error(where + ": expected an array of rows");
  const Index rows = static_cast<Index>(v.size());
  Vec first = as_vector(v[0], where + "[0]");
  Square m(rows, first.size());
  for (Index r = 0; r < rows; ++r) {
    Vec row = as_vector(v[static_cast<std::size_t>(r)], where + "[" + std::to_string(r) + "]");
    if (row.size() != first.size()) usage_error(where + ": rows have different lengths");
    m.row(r) = row.transpose();
  }
  return m;
}

Vec vector(const json& j, const std::string& key, const std::string& where) {
  return as_vector(at(j, key, where), join_path(where, key));
}

Square matrix(const json& j, const std::string& key, const std::string& where) {
  return as_matrix(at(j, key, where), join_path(where, key));
}

}  // namespace fm::cfg
