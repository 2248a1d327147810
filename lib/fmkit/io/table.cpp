#include "fmkit/io/table.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"

namespace fm::io {

void Table::add_row() { rows_.emplace_back(); }

void Table::put(const std::string& column, Value v) {
  if (rows_.empty()) add_row();
  if (std::find(columns_.begin(), columns_.end(), column) == columns_.end()) columns_.push_back(column);
  rows_.back()[column] = std::move(v);
}

Table::Value Table::get(std::size_t row, const std::string& column) const {
  const auto it = rows_.at(row).find(column);
  if (it == rows_.at(row).end()) runtime_error("table: no value for column '" + column + "'");
  return it->second;
}

void Table::write(H5File& f, const std::string& group) const {
  for (const auto& col : columns_) {
    // The column's type is that of its first filled cell.
    int kind = -1;
    for (const auto& r : rows_)
      if (auto it = r.find(col); it != r.end()) {
        kind = static_cast<int>(it->second.index());
        break;
      }
    const std::string name = group + "/" + col;
    if (kind == 0) {
      std::vector<double> v;
      for (const auto& r : rows_) {
        auto it = r.find(col);
        v.push_back(it != r.end() && it->second.index() == 0 ? std::get<double>(it->second) : std::nan(""));
      }
      f.write(name, v);
    } else if (kind == 1) {
      std::vector<long long> v;
      for (const auto& r : rows_) {
        auto it = r.find(col);
        v.push_back(it != r.end() && it->second.index() == 1 ? std::get<long long>(it->second) : 0);
      }
      f.write(name, v);
    } else {
      std::vector<std::string> v;
      for (const auto& r : rows_) {
        auto it = r.find(col);
        v.push_back(it != r.end() && it->second.index() == 2 ? std::get<std::string>(it->second) : "");
      }
      f.write(name, v);
    }
  }
}

cfg::json Table::to_json() const {
  cfg::json arr = cfg::json::array();
  for (const auto& r : rows_) {
    cfg::json o = cfg::json::object();
    for (const auto& [k, v] : r) {
      if (v.index() == 0) o[k] = std::isfinite(std::get<double>(v)) ? cfg::json(std::get<double>(v)) : cfg::json(nullptr);
      else if (v.index() == 1) o[k] = std::get<long long>(v);
      else o[k] = std::get<std::string>(v);
    }
    arr.push_back(o);
  }
  return arr;
}

}  // namespace fm::io
