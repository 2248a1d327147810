#include "fmkit/ot/soft_cells.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/exp_fast.hpp"
#include "fmkit/core/simd_max.hpp"
#include "fmkit/core/threads.hpp"

namespace fm::ot {
namespace {

// The blocked softmax shared by the column sums and the draw. Materialising the n × N weights
// cost 80–124 ms per SGD step at n = 1000, N = 16 000, d = 8 (bench_ot BM_SoftColumnSums), mostly
// memory traffic and the exp; the same 256 × N matrix per training step made the ε > 0 pairing
// the costliest SD item of the paper sweep.
class SoftKernel {
 public:
  static constexpr Index kRows = 32;  // rows whose logits live at once: kRows × N in one buffer
  static constexpr Index kB = 64;     // atoms per block of the exp's skip test

  SoftKernel(const Mat& y, const Vec& g, const Vec& b, double eps)
      : N_(y.rows()),
        blocks_((N_ + kB - 1) / kB),
        // Entries more than cut_ below the row maximum are skipped: each weighs under e^-cut_ of
        // the largest, all of them together under N e^-cut_ = 1e-16, the sum's rounding.
        cut_(36.85 + std::log(static_cast<double>(N_))),
        b_(b),
        y_eps_(y / eps),
        shift_(N_) {
    // log b_j + g_j/ε, the GEMM's starting values; −∞ for a zero-weight atom, which gets weight
    // exactly 0 below.
    for (Index j = 0; j < N_; ++j)
      shift_[j] = b[j] > 0 ? g[j] / eps + std::log(b[j]) : -std::numeric_limits<double>::infinity();
  }

  Index blocks() const { return blocks_; }
  Index block_len(Index q) const { return std::min(kB, N_ - q * kB); }

  // The logits log b_j + (g_j + ⟨x_i, y_j⟩)/ε of rows i0 … i0 + rows − 1 of x, in the top rows of
  // s (kRows × N). The GEMM accumulates onto the shifts: no zeroing pass and no separate add.
  void logits(const Mat& x, Index i0, Index rows, Mat& s) const {
    s.topRows(rows).rowwise() = shift_.transpose();
    s.topRows(rows).noalias() += x.middleRows(i0, rows) * y_eps_.transpose();
  }

  // One row of logits r, in place: e^{r_j − max} on the blocks that reach within the cut of the
  // row maximum, each such block's sum in bsum[q]; bsum[q] = −1 marks a skipped block, whose
  // entries are left as logits. Returns the row's sum, the kept blocks' sums added in block order.
  // At small ε most blocks are skipped: the exp polynomial was the kernel's cost.
  double exp_row(double* r, std::vector<double>& bsum) const {
    double top = -std::numeric_limits<double>::infinity();
    for (Index q = 0; q < blocks_; ++q) {
      bsum[static_cast<std::size_t>(q)] = simd_max(r + q * kB, block_len(q));
      top = std::max(top, bsum[static_cast<std::size_t>(q)]);
    }
    const double cut = top - cut_;
    double sum = 0;
    for (Index q = 0; q < blocks_; ++q) {
      double& bs = bsum[static_cast<std::size_t>(q)];
      if (bs < cut) {
        bs = -1;
        continue;
      }
      double* rq = r + q * kB;
      const double* bq = b_.data() + q * kB;
      const Index len = block_len(q);
      double part = 0;
#pragma omp simd reduction(+ : part)
      for (Index j = 0; j < len; ++j) {
        rq[j] = bq[j] > 0 ? exp_fast(rq[j] - top) : 0.0;
        part += rq[j];
      }
      bs = part;
      sum += part;
    }
    return sum;
  }

  // The first atom whose cumulative weight in row r (after exp_row) exceeds t ∈ [0, sum).
  Index invert(const double* r, const std::vector<double>& bsum, double t) const {
    double acc = 0;
    for (Index q = 0; q < blocks_; ++q) {
      const double bs = bsum[static_cast<std::size_t>(q)];
      if (bs <= 0) continue;  // skipped, or only zero-weight atoms
      if (acc + bs <= t) {
        acc += bs;
        continue;
      }
      const double* rq = r + q * kB;
      for (Index j = 0; j < block_len(q); ++j) {
        acc += rq[j];
        if (t < acc && rq[j] > 0) return q * kB + j;
      }
      // The in-order sum fell short of the block's vector sum by rounding: go on to the next block.
    }
    // t at or past the in-order total by rounding: the last atom with positive weight.
    for (Index q = blocks_ - 1; q >= 0; --q) {
      if (bsum[static_cast<std::size_t>(q)] <= 0) continue;
      for (Index j = block_len(q) - 1; j >= 0; --j)
        if (r[q * kB + j] > 0) return q * kB + j;
    }
    return -1;  // unreachable: exp_row keeps the block of the row maximum, which has positive weight
  }

 private:
  Index N_, blocks_;
  double cut_;
  const Vec& b_;
  Mat y_eps_;
  Vec shift_;
};

}  // namespace

SoftCellSums soft_cell_sums(const Mat& x, const Mat& y, const Vec& g, const Vec& b, double eps, bool squares) {
  FM_REQUIRE(eps > 0, "soft_cell_sums: eps must be > 0 (eps = 0 counts cells by MIPS)");
  const Index n = x.rows(), N = y.rows();
  // 128-row chunks are the units of work and of summation (fixed, so the thread count cannot
  // change the sums).
  constexpr Index kChunk = 128, kRows = SoftKernel::kRows, kB = SoftKernel::kB;
  const SoftKernel k(y, g, b, eps);
  const Index chunks = (n + kChunk - 1) / kChunk;
  std::vector<Vec> part(static_cast<std::size_t>(chunks)), part2(static_cast<std::size_t>(squares ? chunks : 0));
#pragma omp parallel for schedule(dynamic) if (fm::worth_threads(static_cast<double>(n) * static_cast<double>(N)))
  for (Index c = 0; c < chunks; ++c) {
    Vec acc = Vec::Zero(N), acc2 = squares ? Vec::Zero(N) : Vec();
    Mat s(kRows, N);
    std::vector<double> bsum(static_cast<std::size_t>(k.blocks()));
    const Index end = std::min(n, (c + 1) * kChunk);
    for (Index i0 = c * kChunk; i0 < end; i0 += kRows) {
      const Index rows = std::min(kRows, end - i0);
      k.logits(x, i0, rows, s);
      for (Index i = 0; i < rows; ++i) {
        double* r = s.data() + i * N;
        const double inv = 1 / k.exp_row(r, bsum);
        for (Index q = 0; q < k.blocks(); ++q) {
          if (bsum[static_cast<std::size_t>(q)] < 0) continue;
          const double* rq = r + q * kB;
          double* a = acc.data() + q * kB;
          const Index len = k.block_len(q);
          if (squares) {
            double* a2 = acc2.data() + q * kB;
#pragma omp simd
            for (Index j = 0; j < len; ++j) {
              const double w = rq[j] * inv;
              a[j] += w;
              a2[j] += w * w;
            }
          } else {
#pragma omp simd
            for (Index j = 0; j < len; ++j) a[j] += rq[j] * inv;
          }
        }
      }
    }
    part[static_cast<std::size_t>(c)] = std::move(acc);
    if (squares) part2[static_cast<std::size_t>(c)] = std::move(acc2);
  }
  SoftCellSums out{Vec::Zero(N), squares ? Vec::Zero(N) : Vec()};
  for (Index c = 0; c < chunks; ++c) {
    out.col += part[static_cast<std::size_t>(c)];
    if (squares) out.col2 += part2[static_cast<std::size_t>(c)];
  }
  return out;
}

std::vector<Index> soft_cell_draw(const Mat& x, const Mat& y, const Vec& g, const Vec& b, double eps,
                                  const std::vector<double>& u) {
  FM_REQUIRE(eps > 0, "soft_cell_draw: eps must be > 0 (eps = 0 pairs by MIPS)");
  FM_REQUIRE(static_cast<Index>(u.size()) == x.rows(), "soft_cell_draw: one uniform per row");
  const Index n = x.rows(), N = y.rows();
  constexpr Index kRows = SoftKernel::kRows;
  const SoftKernel k(y, g, b, eps);
  std::vector<Index> atom(static_cast<std::size_t>(n));
  const Index groups = (n + kRows - 1) / kRows;
#pragma omp parallel if (fm::worth_threads(static_cast<double>(n) * static_cast<double>(N)))
  {
    // One buffer per thread, not per group: a fresh 4 MB buffer (N = 16 000) per 32 rows costs its
    // page faults every training step.
    Mat s(kRows, N);
    std::vector<double> bsum(static_cast<std::size_t>(k.blocks()));
#pragma omp for schedule(dynamic)
    for (Index c = 0; c < groups; ++c) {
      const Index i0 = c * kRows, rows = std::min(kRows, n - i0);
      k.logits(x, i0, rows, s);
      for (Index i = 0; i < rows; ++i) {
        double* r = s.data() + i * N;
        const double sum = k.exp_row(r, bsum);
        atom[static_cast<std::size_t>(i0 + i)] = k.invert(r, bsum, u[static_cast<std::size_t>(i0 + i)] * sum);
      }
    }
  }
  return atom;
}

}  // namespace fm::ot
