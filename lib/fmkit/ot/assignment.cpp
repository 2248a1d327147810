#include "fmkit/ot/assignment.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/core/timer.hpp"

namespace fm::ot {

namespace {

// Jonker–Volgenant's augmenting row reduction, run twice between the column reduction and the
// shortest paths: a free row takes the column of its least reduced cost c_ij − v_j, lowering that
// column's v until the row's second choice ties, and evicts the column's previous row, which is
// processed next if it lost strictly, else left for the next pass. Each step is one scan of a row,
// not a Dijkstra search; on the squared distances of minibatch OT it matches most rows the column
// reduction left free. On return every matched row sits at the minimum of its reduced costs, and
// u holds those minima (for free rows too), so C − u − v ≥ 0 with equality on the matching.
void augmenting_row_reduction(const Mat& cost, std::vector<double>& u, std::vector<double>& v,
                              std::vector<Index>& row4col, std::vector<Index>& col4row) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const Index n = cost.rows();
  const auto N = static_cast<std::size_t>(n);
  std::vector<Index> free_rows;
  for (Index i = 0; i < n; ++i)
    if (col4row[static_cast<std::size_t>(i)] < 0) free_rows.push_back(i);
  for (int pass = 0; pass < 2 && !free_rows.empty(); ++pass) {
    // The list is reused in place: rows evicted with a strict loss go back at the read position,
    // rows evicted on a tie are written behind it for the next pass. A cap on the scans bounds
    // the near-ties that would lower v by rounding-size steps; what is left stays free.
    std::size_t read = 0, kept = 0, scans = 0;
    const std::size_t listed = free_rows.size(), max_scans = 4 * N;
    while (read < listed && scans++ < max_scans) {
      const Index i = free_rows[read++];
      const double* ci = cost.data() + i * n;
      double u1 = ci[0] - v[0], u2 = kInf;
      std::size_t j1 = 0, j2 = 0;
      for (std::size_t j = 1; j < N; ++j) {
        const double h = ci[j] - v[j];
        if (h < u2) {
          if (h >= u1) {
            u2 = h;
            j2 = j;
          } else {
            u2 = u1;
            j2 = j1;
            u1 = h;
            j1 = j;
          }
        }
      }
      Index evicted = row4col[j1];
      const bool strict = u1 < u2;
      if (strict) {
        v[j1] -= u2 - u1;
      } else if (evicted >= 0) {  // a tie: take the second column instead, if that frees a row less
        j1 = j2;
        evicted = row4col[j2];
      }
      row4col[j1] = i;
      col4row[static_cast<std::size_t>(i)] = static_cast<Index>(j1);
      if (evicted >= 0) {
        col4row[static_cast<std::size_t>(evicted)] = -1;
        if (strict)
          free_rows[--read] = evicted;
        else
          free_rows[kept++] = evicted;
      }
    }
    while (read < listed) free_rows[kept++] = free_rows[read++];
    free_rows.resize(kept);
  }
  // u_i = min_j c_ij − v_j: a matched row's own column attains it (up to the rounding of the v
  // updates, which the shortest paths already tolerate).
  for (std::size_t i = 0; i < N; ++i) {
    const double* ci = cost.data() + static_cast<Index>(i) * n;
    double m = kInf;
    for (std::size_t j = 0; j < N; ++j) m = std::min(m, ci[j] - v[j]);
    u[i] = m;
  }
}

}  // namespace

AssignmentResult linear_assignment(const Mat& cost) {
  const Index n = cost.rows();
  FM_REQUIRE(n >= 1 && cost.cols() == n, "linear assignment: expected a square cost matrix");
  FM_REQUIRE(cost.allFinite(), "linear assignment: cost matrix has non-finite entries");
  Timer timer;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const auto N = static_cast<std::size_t>(n);
  std::vector<double> u(N, 0.0), v(N, 0.0), dist(N), final_dist(N);
  std::vector<Index> row4col(N, -1), col4row(N, -1), taken;
  std::vector<int> path(N);  // 32 bits (the scan writes it per column): n² doubles bound n far below 2³¹
  AssignmentResult r;
  // Column reduction, the first phase of Jonker–Volgenant: v_j = min_i C_ij makes every reduced
  // cost non-negative, and the row attaining a column's minimum is matched to it when still free
  // (a tight edge). Augmentations then start only from the rows left unmatched.
  std::vector<Index> argmin_row(N, 0);
  std::fill(v.begin(), v.end(), kInf);
  for (Index i = 0; i < n; ++i) {  // row by row: the matrix is row-major
    const double* ci = cost.data() + i * n;
    for (std::size_t j = 0; j < N; ++j)
      if (ci[j] < v[j]) {
        v[j] = ci[j];
        argmin_row[j] = i;
      }
  }
  for (std::size_t j = 0; j < N; ++j) {
    const Index i = argmin_row[j];
    if (col4row[static_cast<std::size_t>(i)] < 0) {
      col4row[static_cast<std::size_t>(i)] = static_cast<Index>(j);
      row4col[j] = i;
    }
  }
  if (n > 1) augmenting_row_reduction(cost, u, v, row4col, col4row);
  // A row's scan runs over all n columns in column order, so that it is one contiguous pass that
  // vectorises; a column the search has taken holds dist = −∞, which no reduced cost improves on
  // and the minimum skips, its final distance kept in final_dist. The scan over a shrinking list of
  // the remaining columns (column-indexed arrays read through the list) was scalar, branchy and
  // most of the 72 % that the assignment took of an n = 1024 exact-OT training run; gathering the
  // list's entries into arrays by position did not pay either. A separate 0/+∞ mask array (one
  // more load per entry) with 64-bit path entries cost 10–15 % more at n = 1000 in 2-D. Among
  // columns at the minimum the search takes the first free one, else the first: a different
  // optimal assignment only where several are optimal.
  for (Index cur = 0; cur < n; ++cur) {
    if (col4row[static_cast<std::size_t>(cur)] >= 0) continue;
    // Dijkstra over columns from row `cur` in the reduced costs C − u − v (all ≥ 0).
    std::fill(dist.begin(), dist.end(), kInf);
    taken.clear();
    double* const dp = dist.data();
    int* const pp = path.data();
    const double* const vp = v.data();
    const Index* const rc = row4col.data();
    Index i = cur, sink = -1;
    double min_val = 0;
    while (sink < 0) {
      const double* ci = cost.data() + i * n;
      const double ui = u[static_cast<std::size_t>(i)];
      const int row = static_cast<int>(i);
      double lowest = kInf;
#pragma omp simd reduction(min : lowest)
      for (std::size_t j = 0; j < N; ++j) {
        const double reduced = min_val + ci[j] - ui - vp[j], d = dp[j];
        const bool better = reduced < d;  // never for a taken column (−∞)
        pp[j] = better ? row : pp[j];
        const double next = better ? reduced : d;
        dp[j] = next;
        lowest = std::min(lowest, next == -kInf ? kInf : next);
      }
      if (!(lowest < kInf)) {  // cannot happen with finite costs; never a silent answer
        r.status = Status::NumericalError;
        r.seconds = timer.seconds();
        return r;
      }
      // The first open column at the minimum and the first free one, as min-reductions over the
      // column index (a scalar search with an early exit was most of the time left).
      std::size_t first = N, first_free = N;
#pragma omp simd reduction(min : first, first_free)
      for (std::size_t k = 0; k < N; ++k) {
        const bool at_min = dp[k] == lowest;
        first = std::min(first, at_min ? k : N);
        first_free = std::min(first_free, at_min && rc[k] < 0 ? k : N);
      }
      const auto j = static_cast<Index>(first_free < N ? first_free : first);
      min_val = lowest;
      final_dist[static_cast<std::size_t>(j)] = lowest;
      dist[static_cast<std::size_t>(j)] = -kInf;
      taken.push_back(j);
      if (row4col[static_cast<std::size_t>(j)] < 0) {
        sink = j;
      } else {
        i = row4col[static_cast<std::size_t>(j)];
      }
    }
    // Dual update keeps reduced costs non-negative and tight along the new matching. The rows the
    // search visited are `cur` and the partners of the taken columns other than the sink.
    u[static_cast<std::size_t>(cur)] += min_val;
    for (const Index k : taken) {
      const auto kk = static_cast<std::size_t>(k);
      v[kk] -= min_val - final_dist[kk];
      if (k != sink) u[static_cast<std::size_t>(row4col[kk])] += min_val - final_dist[kk];
    }
    // Augment along the path back to `cur`.
    for (Index j = sink;;) {
      const Index row = path[static_cast<std::size_t>(j)];
      row4col[static_cast<std::size_t>(j)] = row;
      std::swap(col4row[static_cast<std::size_t>(row)], j);
      if (row == cur) break;
    }
  }
  r.assignment.assign(col4row.begin(), col4row.end());
  double total = 0;
  for (Index i = 0; i < n; ++i) total += cost(i, col4row[static_cast<std::size_t>(i)]);
  r.cost = total / static_cast<double>(n);
  r.seconds = timer.seconds();
  return r;
}

AssignmentResult optimal_pairing(const Mat& x, const Mat& y, CostKind kind) {
  FM_REQUIRE(x.rows() == y.rows() && x.cols() == y.cols(), "optimal pairing: expected point sets of equal shape");
  AssignmentResult r = linear_assignment(cost_matrix(x, y, CostKind::SqEuclid));
  if (r.status != Status::Converged || kind == CostKind::SqEuclid) return r;
  double total = 0;
  for (Index i = 0; i < x.rows(); ++i) total -= x.row(i).dot(y.row(r.assignment[static_cast<std::size_t>(i)]));
  r.cost = total / static_cast<double>(x.rows());
  return r;
}

}  // namespace fm::ot
