// A table of rows with named columns (doubles, integers or strings), written as one 1-D dataset
// per column under a group, e.g. a study's /summary (one row per case: loads into pandas).
#pragma once
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/io/h5file.hpp"

namespace fm::io {

class Table {
 public:
  using Value = std::variant<double, long long, std::string>;
  // Starts a new row; subsequent set() calls fill it. Missing cells are NaN / 0 / "".
  void add_row();
  void set(const std::string& column, double v) { put(column, v); }
  void set(const std::string& column, long long v) { put(column, v); }
  void set(const std::string& column, const std::string& v) { put(column, v); }
  void set(const std::string& column, const char* v) { put(column, std::string(v)); }
  std::size_t rows() const { return rows_.size(); }
  // Appends the rows of `other` (its new columns are added; cells it lacks stay missing). A column
  // holding another type there than here is an error naming it: write() would blank those cells.
  void append(const Table& other);
  // Sets `column` to `v` in every row (e.g. tagging gathered rows with their source).
  void fill(const std::string& column, const Value& v);
  Value get(std::size_t row, const std::string& column) const;
  void write(H5File& f, const std::string& group) const;
  // A table written by write(): every 1-D dataset under `group` is a column (all of one length).
  static Table read(const H5File& f, const std::string& group);
  const std::vector<std::string>& columns() const { return columns_; }
  cfg::json to_json() const;  // array of row objects

 private:
  void put(const std::string& column, Value v);
  std::vector<std::string> columns_;  // in first-seen order
  std::vector<std::map<std::string, Value>> rows_;
};

}  // namespace fm::io
