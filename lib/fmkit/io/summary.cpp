#include "fmkit/io/summary.hpp"

#include <cmath>

#include "fmkit/io/column_docs.hpp"

namespace fm::io {

void Summary::put(const std::string& key, Value v) {
  for (auto& kv : items_)
    if (kv.first == key) {
      kv.second = std::move(v);
      return;
    }
  items_.emplace_back(key, std::move(v));
}

void Summary::set(const std::string& key, double v) { put(key, v); }
void Summary::set(const std::string& key, long long v) { put(key, v); }
void Summary::set(const std::string& key, const std::string& v) { put(key, v); }

cfg::json Summary::to_json() const {
  cfg::json j = cfg::json::object();
  for (const auto& [k, v] : items_) {
    if (const double* d = std::get_if<double>(&v)) j[k] = std::isfinite(*d) ? cfg::json(*d) : cfg::json(nullptr);
    else if (const long long* i = std::get_if<long long>(&v)) j[k] = *i;
    else j[k] = std::get<std::string>(v);
  }
  return j;
}

void Summary::write(H5File& file, const std::string& group) const {
  for (const auto& [k, v] : items_) {
    const std::string name = group + "/" + k;
    if (const double* d = std::get_if<double>(&v)) file.write(name, std::vector<double>{*d});
    else if (const long long* i = std::get_if<long long>(&v)) file.write(name, std::vector<long long>{*i});
    else file.write(name, std::vector<std::string>{std::get<std::string>(v)});
    describe_column(file, name, k);
  }
}

}  // namespace fm::io
