// What each result column means: its units and a one-line description, written as the `units` and
// `description` attributes of every summary and table column (so a file read without the docs
// still says what it holds). One registry for every program and study, beside the io layer that
// writes the columns; the names follow the docs' tables (docs/hdf5.md and each program's page).
#pragma once
#include <string>

#include "fmkit/io/h5file.hpp"

namespace fm::io {

struct ColumnDoc {
  std::string units;  // "1" for a dimensionless number, "label" for a name, "count", "s", "nats", …
  std::string description;
};

// The documentation of a column name, or nullptr when it has none. Derived names are documented
// from their base: `X_se` (the standard error of X), `run.X` (a run's own X in a sweep summary), and
// a dotted config key such as `train.lr` (a swept key).
const ColumnDoc* column_doc(const std::string& name);

// Writes `units` and `description` on the dataset at `path` (column `name`), when documented.
void describe_column(H5File& f, const std::string& path, const std::string& name);

// The same for the file's known arrays (samples, trajectories, log-densities, training curves, OT
// results, a study's examples), by their paths; H5File::commit calls it, so every file gets them.
void describe_arrays(H5File& f);

}  // namespace fm::io
