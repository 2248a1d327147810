#include "fmkit/io/table.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/io/column_docs.hpp"

namespace fm::io {

void Table::add_row() { rows_.emplace_back(); }

void Table::put(const std::string& column, Value v) {
  if (rows_.empty()) add_row();
  if (std::find(columns_.begin(), columns_.end(), column) == columns_.end()) columns_.push_back(column);
  rows_.back()[column] = std::move(v);
}

void Table::append(const Table& other) {
  auto kind_of = [](const Table& t, const std::string& col) {
    for (const auto& r : t.rows_)
      if (auto it = r.find(col); it != r.end()) return static_cast<int>(it->second.index());
    return -1;
  };
  static const char* const names[] = {"double", "integer", "text"};
  for (const auto& col : other.columns_) {
    const int mine = kind_of(*this, col), theirs = kind_of(other, col);
    if (mine >= 0 && theirs >= 0 && mine != theirs)
      runtime_error("table: column '" + col + "' holds " + names[mine] + " values in one table and " + names[theirs] +
                    " in the other");
    if (std::find(columns_.begin(), columns_.end(), col) == columns_.end()) columns_.push_back(col);
  }
  rows_.insert(rows_.end(), other.rows_.begin(), other.rows_.end());
}

void Table::fill(const std::string& column, const Value& v) {
  if (std::find(columns_.begin(), columns_.end(), column) == columns_.end()) columns_.push_back(column);
  for (auto& r : rows_) r[column] = v;
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
    describe_column(f, name, col);
  }
}

Table Table::read(const H5File& f, const std::string& group) {
  Table t;
  std::size_t rows = 0;
  bool first = true;
  std::vector<std::pair<std::string, std::vector<Value>>> cols;
  for (const std::string& name : f.members(group)) {
    const std::string path = group + "/" + name;
    std::vector<Value> v;
    switch (f.kind(path)) {
      case 's':
        for (auto& x : f.read_strings(path)) v.emplace_back(std::move(x));
        break;
      case 'i':
        for (long long x : f.read_ints(path)) v.emplace_back(x);
        break;
      default:
        for (double x : f.read_doubles(path)) v.emplace_back(x);
    }
    if (!first && v.size() != rows)
      usage_error("HDF5 file '" + f.path() + "': column '" + path + "' has " + std::to_string(v.size()) +
                  " rows, the others " + std::to_string(rows));
    rows = v.size();
    first = false;
    cols.emplace_back(name, std::move(v));
  }
  for (std::size_t r = 0; r < rows; ++r) {
    t.add_row();
    for (auto& [name, v] : cols) t.put(name, v[r]);
  }
  return t;
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
