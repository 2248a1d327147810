#include "fmkit/ot/cost.hpp"

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/ot/network_simplex.hpp"

namespace fm::ot {

CostKind parse_cost(const std::string& name, const std::string& where) {
  if (name == "sqeuclid") return CostKind::SqEuclid;
  if (name == "dot") return CostKind::Dot;
  usage_error(where + ": unknown cost '" + name + "' (expected sqeuclid or dot)");
}

std::string to_string(CostKind c) { return c == CostKind::SqEuclid ? "sqeuclid" : "dot"; }

Mat cost_matrix(const Mat& x, const Mat& y, CostKind kind) {
  if (x.cols() != y.cols())
    usage_error("cost: the point sets have dimensions " + std::to_string(x.cols()) + " and " +
                std::to_string(y.cols()));
  if (kind == CostKind::SqEuclid) return sq_euclidean_cost(x, y);
  return -(x * y.transpose());
}

double cost_std(const Mat& C) {
  const double n = static_cast<double>(C.size());
  const double mean = C.sum() / n;
  return std::sqrt((C.array() - mean).square().sum() / n);
}

}  // namespace fm::ot
