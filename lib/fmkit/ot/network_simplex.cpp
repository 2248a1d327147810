#include "fmkit/ot/network_simplex.hpp"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/core/timer.hpp"

namespace fm::ot {

std::string AssignmentResult::brief() const {
  std::ostringstream s;
  s << "network simplex " << to_string(status) << ": mean cost " << cost << " in " << seconds << " s";
  return s.str();
}

Mat sq_euclidean_cost(const Mat& x, const Mat& y) {
  FM_REQUIRE(x.cols() == y.cols(), "cost: point sets have dimensions " + std::to_string(x.cols()) + " and " +
                                       std::to_string(y.cols()));
  Mat c = -2.0 * (x * y.transpose());
  c.colwise() += x.rowwise().squaredNorm();
  c.rowwise() += y.rowwise().squaredNorm().transpose();
  return c.cwiseMax(0.0);
}

AssignmentResult exact_assignment(const Mat& cost) {
  const Index n = cost.rows();
  FM_REQUIRE(n >= 1 && cost.cols() == n, "exact assignment: expected a square cost matrix");
  FM_REQUIRE(cost.allFinite(), "exact assignment: cost matrix has non-finite entries");
  Timer timer;
  // Nodes 0..n−1 supply one unit each, n..2n−1 demand one; arcs i → n+j in source order, as
  // StaticDigraph::build requires.
  std::vector<std::pair<int, int>> arcs;
  arcs.reserve(static_cast<std::size_t>(n * n));
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) arcs.emplace_back(static_cast<int>(i), static_cast<int>(n + j));
  lemon::StaticDigraph g;
  g.build(static_cast<int>(2 * n), arcs.begin(), arcs.end());
  lemon::StaticDigraph::ArcMap<double> c(g);
  lemon::StaticDigraph::NodeMap<int> supply(g);
  for (Index i = 0; i < n; ++i) {
    supply[g.node(static_cast<int>(i))] = 1;
    supply[g.node(static_cast<int>(n + i))] = -1;
    for (Index j = 0; j < n; ++j) c[g.arc(static_cast<int>(i * n + j))] = cost(i, j);
  }
  lemon::NetworkSimplex<lemon::StaticDigraph, int, double> ns(g);
  ns.costMap(c).supplyMap(supply);
  AssignmentResult r;
  const auto res = ns.run();
  r.seconds = timer.seconds();
  if (res != lemon::NetworkSimplex<lemon::StaticDigraph, int, double>::OPTIMAL) {
    r.status = Status::NumericalError;
    return r;
  }
  r.assignment.assign(static_cast<std::size_t>(n), -1);
  double total = 0;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j)
      if (ns.flow(g.arc(static_cast<int>(i * n + j))) > 0) {
        r.assignment[static_cast<std::size_t>(i)] = j;
        total += cost(i, j);
      }
  r.cost = total / static_cast<double>(n);
  for (Index j : r.assignment)
    if (j < 0) r.status = Status::NumericalError;  // not a permutation: never hand it out as one
  return r;
}

}  // namespace fm::ot
