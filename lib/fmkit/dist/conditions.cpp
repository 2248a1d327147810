#include "fmkit/dist/conditions.hpp"

#include "fmkit/core/error.hpp"

namespace fm::dist {

Conditions Conditions::from_labels(const std::vector<Index>& labels, Index classes) {
  FM_REQUIRE(classes >= 1, "conditions: labels need at least one class");
  Conditions c;
  c.classes = classes;
  c.z.resize(static_cast<Index>(labels.size()), 1);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    FM_REQUIRE(labels[i] >= 0 && labels[i] < classes, "conditions: label " + std::to_string(labels[i]) +
                                                          " outside 0.." + std::to_string(classes - 1));
    c.z(static_cast<Index>(i), 0) = static_cast<double>(labels[i]);
  }
  return c;
}

Conditions Conditions::gather(const std::vector<Index>& rows) const {
  Conditions c;
  c.classes = classes;
  c.z.resize(static_cast<Index>(rows.size()), z.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) c.z.row(static_cast<Index>(i)) = z.row(rows[i]);
  return c;
}

std::vector<std::vector<Index>> Conditions::by_class() const {
  FM_REQUIRE(labels(), "conditions: by_class needs class labels");
  std::vector<std::vector<Index>> out(static_cast<std::size_t>(classes));
  for (Index i = 0; i < rows(); ++i) out[static_cast<std::size_t>(label(i))].push_back(i);
  return out;
}

Vec Conditions::frequencies() const {
  const auto rows_of = by_class();
  Vec f(classes);
  for (Index k = 0; k < classes; ++k)
    f[k] = static_cast<double>(rows_of[static_cast<std::size_t>(k)].size()) / static_cast<double>(std::max<Index>(1, rows()));
  return f;
}

}  // namespace fm::dist
