// The conditions of a data set's points (theory/sdfm_variants.md §1), one row per point: a class
// label (one column of integers 0..classes−1, stored as doubles so that a batch's conditions are
// one matrix whatever their kind) or, with classes = 0, a continuous vector.
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::dist {

struct Conditions {
  Mat z;
  Index classes = 0;

  bool empty() const { return z.size() == 0; }
  bool labels() const { return classes > 0; }
  Index rows() const { return z.rows(); }
  Index label(Index i) const { return static_cast<Index>(z(i, 0)); }
  static Conditions from_labels(const std::vector<Index>& labels, Index classes);
  // Rows `rows` of these conditions, in that order.
  Conditions gather(const std::vector<Index>& rows) const;
  // The row indices of each class, in row order (labels only).
  std::vector<std::vector<Index>> by_class() const;
  // Each class's share of the rows (labels only).
  Vec frequencies() const;
};

}  // namespace fm::dist
