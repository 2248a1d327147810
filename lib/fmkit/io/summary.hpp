// A run summary: named scalars in insertion order, written as one `/summary` row (1-element
// datasets that load straight into pandas) and printed as the `--json` object.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"

namespace fm::io {

class Summary {
 public:
  void set(const std::string& key, double v);
  void set(const std::string& key, long long v);
  void set(const std::string& key, const std::string& v);
  cfg::json to_json() const;  // NaN and ±inf become null
  using Value = std::variant<double, long long, std::string>;
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }
  void write(H5File& file, const std::string& group = "/summary") const;

 private:
  std::vector<std::pair<std::string, Value>> items_;
  void put(const std::string& key, Value v);
};

}  // namespace fm::io
