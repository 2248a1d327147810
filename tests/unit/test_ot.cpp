// OT solvers (theory/sdfm.md §5, §10): log-domain Sinkhorn against exact OT as ε → 0, marginals
// and status, the kernel-mode refusal, and weighted exact OT against the 1-D quantile coupling.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "fmkit/core/error.hpp"
#include "fmkit/core/exp_fast.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/simd_max.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/ot/cost.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/network_simplex.hpp"
#include "fmkit/ot/sinkhorn.hpp"

using namespace fm;
using namespace fm::ot;

namespace {

Vec uniform(Index n) { return Vec::Constant(n, 1.0 / static_cast<double>(n)); }

TEST(Sinkhorn, ConvergesToExactOtAsEpsVanishes) {
  Rng rng(3, "sinkhorn/eps0");
  const Index n = 32;
  const Mat x = rng.normal(n, 3), y = rng.normal(n, 3);
  for (CostKind kind : {CostKind::Dot, CostKind::SqEuclid}) {
    const Mat C = cost_matrix(x, y, kind);
    const AssignmentResult ex = exact_assignment(C);
    const double ot0 = ex.cost;  // mean cost = ⟨C, P⟩ with P = permutation / n
    const double sd = cost_std(C);
    SinkhornOptions o;
    o.tol = 1e-6;
    o.max_iter = 20000;
    double prev_gap = std::numeric_limits<double>::infinity(), prev_entropy = 2;
    for (double rel : {0.1, 0.03, 0.01, 0.003, 0.001}) {
      o.eps = rel * sd;
      const SinkhornResult r = sinkhorn(C, uniform(n), uniform(n), o);
      // Plain Sinkhorn slows like e^{range/ε}: the smallest ε may stop at max_iter, with its
      // (small) marginal error reported, and then ⟨C, P⟩ may undercut OT by at most err·range.
      if (rel >= 0.03) {
        EXPECT_EQ(r.status, Status::Converged) << rel;
      }
      EXPECT_LT(r.marginal_error, 1e-3) << rel;
      const double gap = r.cost - ot0;
      EXPECT_GE(gap, -r.marginal_error * (C.maxCoeff() - C.minCoeff()) - 1e-9) << rel;
      EXPECT_LE(gap, o.eps * std::log(static_cast<double>(n))) << rel;
      EXPECT_LT(gap, prev_gap);
      EXPECT_LT(r.entropy, prev_entropy);
      prev_gap = gap;
      prev_entropy = r.entropy;
      o.f0 = r.f;  // warm start the next ε
      o.g0 = r.g;
      if (rel == 0.001) {
        const Mat P = sinkhorn_plan(C, uniform(n), uniform(n), r);
        for (Index i = 0; i < n; ++i) {
          Index j;
          P.row(i).maxCoeff(&j);
          EXPECT_EQ(j, ex.assignment[static_cast<std::size_t>(i)]) << "row " << i;
        }
        EXPECT_LT(r.entropy, 0.05);
        // Rows are exact in the returned plan; columns within the reported error.
        EXPECT_LT((P.rowwise().sum() - uniform(n)).cwiseAbs().maxCoeff(), 1e-12);
        EXPECT_NEAR((P.colwise().sum().transpose() - uniform(n)).cwiseAbs().sum(), r.marginal_error, 1e-12);
      }
    }
  }
}

TEST(Sinkhorn, StatusAndPrecisionModes) {
  Rng rng(4, "sinkhorn/status");
  const Index n = 200, m = 150;
  const Mat C = cost_matrix(rng.normal(n, 4), rng.normal(m, 4), CostKind::Dot);
  Vec a = rng.normal(n, 1).col(0).array().abs() + 0.1;
  a /= a.sum();
  SinkhornOptions o;
  o.eps = 0.01 * cost_std(C);
  o.max_iter = 3;
  SinkhornResult r = sinkhorn(C, a, uniform(m), o);
  EXPECT_EQ(r.status, Status::MaxIterations);
  EXPECT_EQ(r.iterations, 3);
  EXPECT_GT(r.marginal_error, o.tol);
  o.max_iter = 20000;
  const SinkhornResult d = sinkhorn(C, a, uniform(m), o);
  EXPECT_EQ(d.status, Status::Converged);
  // Sizes that are not multiples of the 32×32 transpose tile: rows exact, columns within the error.
  const Mat P = sinkhorn_plan(C, a, uniform(m), d);
  EXPECT_LT((P.rowwise().sum() - a).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR((P.colwise().sum().transpose() - uniform(m)).cwiseAbs().sum(), d.marginal_error, 1e-12);
  EXPECT_LT(d.marginal_error, o.tol);
  o.single_precision = true;
  const SinkhornResult f = sinkhorn(C, a, uniform(m), o);
  EXPECT_EQ(f.status, Status::Converged);
  EXPECT_NEAR(f.cost, d.cost, 1e-3 * std::abs(d.cost));
  o.single_precision = false;
  o.eps_scaling = true;
  const SinkhornResult s = sinkhorn(C, a, uniform(m), o);
  EXPECT_EQ(s.status, Status::Converged);
  EXPECT_NEAR(s.cost, d.cost, 1e-3 * std::abs(d.cost));
}

// Kernel mode at small ε underflows: it must end in numerical_error, never a plan.
TEST(Sinkhorn, KernelModeRefusesUnderflow) {
  Rng rng(5, "sinkhorn/kernel");
  const Mat C = cost_matrix(rng.normal(64, 2), rng.normal(64, 2), CostKind::SqEuclid);
  SinkhornOptions o;
  o.kernel_mode = true;
  o.eps = 0.002 * C.mean();
  const SinkhornResult bad = sinkhorn(C, uniform(64), uniform(64), o);
  EXPECT_EQ(bad.status, Status::NumericalError);
  EXPECT_THROW(sinkhorn_plan(C, uniform(64), uniform(64), bad), fm::Error);
  // At a large ε kernel and log modes agree.
  o.eps = 0.5 * C.mean();
  o.tol = 1e-9;
  const SinkhornResult k = sinkhorn(C, uniform(64), uniform(64), o);
  o.kernel_mode = false;
  const SinkhornResult l = sinkhorn(C, uniform(64), uniform(64), o);
  ASSERT_EQ(k.status, Status::Converged);
  EXPECT_NEAR(k.cost, l.cost, 1e-8 * std::abs(l.cost));
}

TEST(Sinkhorn, BadInputIsAUsageError) {
  const Mat C = Mat::Ones(3, 3);
  SinkhornOptions o;
  EXPECT_THROW(sinkhorn(C, uniform(3), uniform(3), o), fm::Error);  // eps = 0
  o.eps = 0.1;
  Vec neg = uniform(3);
  neg[0] = -0.1;
  neg[1] += 0.1 + 1.0 / 3;
  EXPECT_THROW(sinkhorn(C, neg, uniform(3), o), fm::Error);
  EXPECT_THROW(sinkhorn(C, uniform(2), uniform(3), o), fm::Error);
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    Mat D = C;
    D(2, 1) = bad;
    EXPECT_THROW(sinkhorn(D, uniform(3), uniform(3), o), fm::Error) << bad;
  }
}

// Over-relaxation and the L2 stop (issue 23 §1). Every error the solver reports is the plan's own
// (row and column sums of sinkhorn_plan); a relaxed solve lands on the plain solve's answer; at a
// small ε it needs far fewer iterations; and the relaxed path does not depend on the thread count.
TEST(Sinkhorn, OverRelaxationAndTheL2StopReportThePlansOwnErrors) {
  Rng rng(6, "sinkhorn/omega");
  const Index n = 300, m = 250;
  const Mat C = cost_matrix(rng.normal(n, 8), Mat(rng.normal(m, 8).array() + 1.0), CostKind::SqEuclid);
  const Vec a = uniform(n), b = uniform(m);
  SinkhornOptions o;
  o.eps = 0.01 * cost_std(C);
  o.tol = 1e-7;
  o.norm = MarginalNorm::L2;
  o.max_iter = 200000;
  auto check_errors = [&](const SinkhornResult& r, const char* what) {
    ASSERT_EQ(r.status, Status::Converged) << what;
    const Mat P = sinkhorn_plan(C, a, b, r);
    const Vec col = P.colwise().sum().transpose() - b, row = P.rowwise().sum() - a;
    EXPECT_NEAR(col.norm(), r.marginal_error_l2, 1e-12) << what;
    EXPECT_NEAR(col.cwiseAbs().sum(), r.marginal_error, 1e-12) << what;
    EXPECT_NEAR(row.cwiseAbs().sum(), r.row_error, 1e-12) << what;
    EXPECT_LT(std::max(col.norm(), row.norm()), o.tol) << what;
  };
  const SinkhornResult plain = sinkhorn(C, a, b, o);
  check_errors(plain, "plain");
  EXPECT_EQ(plain.row_error, 0.0);
  EXPECT_EQ(plain.omega, 1.0);
  o.omega_auto = true;
  set_threads(1);
  const SinkhornResult autom = sinkhorn(C, a, b, o);
  set_threads(2);
  const SinkhornResult autom2 = sinkhorn(C, a, b, o);
  check_errors(autom, "auto");
  EXPECT_GT(autom.omega, 1.5);
  EXPECT_LE(autom.omega, 1.95);
  EXPECT_GT(autom.omega_iteration, 20);  // measured on plain iterations first
  EXPECT_LT(autom.iterations, plain.iterations / 2) << plain.iterations;
  EXPECT_NEAR(autom.cost, plain.cost, 1e-6 * plain.cost);
  EXPECT_EQ(autom.iterations, autom2.iterations);
  EXPECT_TRUE(autom.f == autom2.f && autom.g == autom2.g);  // bit for bit
  o.eps_scaling = true;
  const SinkhornResult scaled = sinkhorn(C, a, b, o);
  check_errors(scaled, "auto + eps scaling");
  EXPECT_NEAR(scaled.cost, plain.cost, 1e-6 * plain.cost);
  // Out of iterations in a coarse stage: that stage's plan, at that stage's ε, its errors its own.
  o.max_iter = 5;
  const SinkhornResult cut = sinkhorn(C, a, b, o);
  EXPECT_EQ(cut.status, Status::MaxIterations);
  EXPECT_GT(cut.eps, o.eps);
  {
    const Mat P = sinkhorn_plan(C, a, b, cut);
    EXPECT_NEAR((P.colwise().sum().transpose() - b).norm(), cut.marginal_error_l2, 1e-12);
    EXPECT_NEAR((P.array() * C.array()).sum(), cut.cost, 1e-9 * std::abs(cut.cost));
    // A blurrier plan than the target ε's, but a plan: between the OT cost and the independent one
    // (evaluated at the target ε, such potentials gave hundreds of times the independent cost).
    EXPECT_GT(cut.cost, plain.cost);
    EXPECT_LT(cut.cost, 1.01 * a.dot(C * b));
  }
  o.max_iter = 200000;
  o.eps_scaling = false;
  o.omega_auto = false;
  o.omega = 1.5;
  const SinkhornResult fixed = sinkhorn(C, a, b, o);
  check_errors(fixed, "omega 1.5");
  EXPECT_EQ(fixed.omega, 1.5);
  EXPECT_LT(fixed.iterations, plain.iterations);
  EXPECT_NEAR(fixed.cost, plain.cost, 1e-6 * plain.cost);
  // The L1 stop with the same tolerance is stricter than the L2 one (‖·‖₂ ≤ ‖·‖₁).
  o.omega = 1;
  o.norm = MarginalNorm::L1;
  const SinkhornResult l1 = sinkhorn(C, a, b, o);
  check_errors(l1, "l1");
  EXPECT_LT(l1.marginal_error, o.tol);
  EXPECT_GT(l1.iterations, plain.iterations);
}

TEST(Sinkhorn, RelaxationOptionsAreValidated) {
  const Mat C = Mat::Ones(3, 3);
  SinkhornOptions o;
  o.eps = 0.1;
  for (double w : {0.0, 0.99, 2.0, 5.0, 1e12, std::nan(""), std::numeric_limits<double>::infinity()}) {
    o.omega = w;
    EXPECT_THROW(sinkhorn(C, uniform(3), uniform(3), o), fm::Error) << w;
  }
  o.omega = 1;
  o.kernel_mode = true;
  o.omega_auto = true;
  EXPECT_THROW(sinkhorn(C, uniform(3), uniform(3), o), fm::Error);
}

// The squared-Euclidean cost (GEMM, then one fused pass) against the direct sum, on sizes that
// are not multiples of a vector width.
TEST(Cost, SquaredEuclideanMatchesTheDirectSum) {
  Rng rng(6, "cost/sqeuclid");
  const Mat x = rng.normal(37, 3), y = rng.normal(53, 3) * 2.0;
  const Mat C = sq_euclidean_cost(x, y);
  ASSERT_EQ(C.rows(), 37);
  ASSERT_EQ(C.cols(), 53);
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < y.rows(); ++j) EXPECT_NEAR(C(i, j), (x.row(i) - y.row(j)).squaredNorm(), 1e-12);
  EXPECT_GE(sq_euclidean_cost(x, x).minCoeff(), 0.0);  // round-off never makes a cost negative
}

// The dot cost −x·y, for shapes on and off the GEMM kernel's block sizes (it is written straight into
// the row-major result with the sign as GEMM's alpha).
TEST(Cost, DotMatchesTheDirectSum) {
  Rng rng(7, "cost/dot");
  for (const auto& [n, m, d] : {std::array<Index, 3>{37, 53, 3}, {64, 64, 8}, {1, 9, 4}, {9, 1, 4}, {333, 77, 10}}) {
    const Mat x = rng.normal(n, d), y = rng.normal(m, d);
    const Mat C = cost_matrix(x, y, CostKind::Dot);
    ASSERT_EQ(C.rows(), n);
    ASSERT_EQ(C.cols(), m);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < m; ++j) EXPECT_NEAR(C(i, j), -x.row(i).dot(y.row(j)), 1e-12) << n << " " << m;
  }
}

// Row draws from the plan without the plan: the same columns as an inverse-CDF scan of sinkhorn_plan's
// rows (the coupling's old way), for square and rectangular plans and row lengths on and off the
// packet size; bad uniforms, wrong sizes and a failed solve are refused.
TEST(Sinkhorn, RowDrawsAreTheInverseCdfOfThePlansRows) {
  Rng rng(8, "sinkhorn/row-draws");
  for (const auto& [n, m] : {std::array<Index, 2>{64, 64}, {37, 53}, {256, 256}, {5, 1}, {1, 7}, {300, 130}}) {
    const Mat C = cost_matrix(rng.normal(n, 3), rng.normal(m, 3), CostKind::SqEuclid);
    SinkhornOptions o;
    o.eps = 0.05 * cost_std(C) + 1e-3;
    o.tol = 1e-6;
    const SinkhornResult r = sinkhorn(C, uniform(n), uniform(m), o);
    const Mat P = sinkhorn_plan(C, uniform(n), uniform(m), r);
    std::vector<double> u(static_cast<std::size_t>(n));
    for (double& ui : u) ui = rng.uniform();
    u[0] = 0.0;  // the first column with positive mass
    const std::vector<Index> js = sinkhorn_row_draws(C, uniform(n), uniform(m), r, u);
    ASSERT_EQ(static_cast<Index>(js.size()), n);
    for (Index i = 0; i < n; ++i) {
      const double target = u[static_cast<std::size_t>(i)] * P.row(i).sum();
      double acc = 0;
      Index j = 0;
      for (; j + 1 < m; ++j) {
        acc += P(i, j);
        if (target < acc) break;
      }
      EXPECT_EQ(js[static_cast<std::size_t>(i)], j) << n << "x" << m << " row " << i;
    }
  }
  const Mat C = cost_matrix(rng.normal(8, 2), rng.normal(8, 2), CostKind::SqEuclid);
  SinkhornOptions o;
  o.eps = cost_std(C);
  const SinkhornResult r = sinkhorn(C, uniform(8), uniform(8), o);
  EXPECT_THROW(sinkhorn_row_draws(C, uniform(8), uniform(8), r, std::vector<double>(8, 1.0)), fm::Error);
  EXPECT_THROW(sinkhorn_row_draws(C, uniform(8), uniform(8), r, std::vector<double>(8, -0.1)), fm::Error);
  EXPECT_THROW(sinkhorn_row_draws(C, uniform(8), uniform(8), r, std::vector<double>(7, 0.5)), fm::Error);
  SinkhornResult bad = r;
  bad.status = Status::NumericalError;
  EXPECT_THROW(sinkhorn_row_draws(C, uniform(8), uniform(8), bad, std::vector<double>(8, 0.5)), fm::Error);
  SinkhornResult no_columns = r;  // refused before the parallel rows, where a throw would abort
  no_columns.g.resize(0);
  EXPECT_THROW(sinkhorn_row_draws(Mat(8, 0), uniform(8), Vec(0), no_columns, std::vector<double>(8, 0.5)), fm::Error);
}

// 1-D squared-Euclidean OT is the monotone (quantile) coupling: its cost by merging the CDFs.
TEST(ExactOt, WeightedMatchesTheQuantileCoupling) {
  Rng rng(6, "exact/1d");
  const Index n = 7, m = 9;
  Vec x = rng.normal(n, 1).col(0), y = rng.normal(m, 1).col(0);
  Vec a = rng.normal(n, 1).col(0).array().abs() + 0.05, b = rng.normal(m, 1).col(0).array().abs() + 0.05;
  a /= a.sum();
  b /= b.sum();
  const ExactOtResult r = exact_ot(cost_matrix(x, y, CostKind::SqEuclid), a, b);
  ASSERT_EQ(r.status, Status::Converged);
  EXPECT_LT((r.plan.rowwise().sum() - a).cwiseAbs().maxCoeff(), 1e-11);
  EXPECT_LT((r.plan.colwise().sum().transpose() - b).cwiseAbs().maxCoeff(), 1e-11);
  std::vector<Index> ix(static_cast<std::size_t>(n)), iy(static_cast<std::size_t>(m));
  std::iota(ix.begin(), ix.end(), 0);
  std::iota(iy.begin(), iy.end(), 0);
  std::sort(ix.begin(), ix.end(), [&](Index p, Index q) { return x[p] < x[q]; });
  std::sort(iy.begin(), iy.end(), [&](Index p, Index q) { return y[p] < y[q]; });
  double cost = 0, ra = a[ix[0]], rb = b[iy[0]];
  std::size_t i = 0, j = 0;
  while (i < ix.size() && j < iy.size()) {
    const double mass = std::min(ra, rb);
    cost += mass * std::pow(x[ix[i]] - y[iy[j]], 2);
    ra -= mass;
    rb -= mass;
    if (ra <= 1e-15 && ++i < ix.size()) ra = a[ix[i]];
    if (rb <= 1e-15 && ++j < iy.size()) rb = b[iy[j]];
  }
  EXPECT_NEAR(r.cost, cost, 1e-10);
  // Uniform equal sizes: the plan is the assignment's permutation.
  const Mat C = cost_matrix(rng.normal(20, 2), rng.normal(20, 2), CostKind::Dot);
  const ExactOtResult u = exact_ot(C, uniform(20), uniform(20));
  const AssignmentResult as = exact_assignment(C);
  EXPECT_NEAR(u.cost, as.cost, 1e-10);  // masses are exact to 2^-40
}

}  // namespace

namespace {

TEST(ExpFast, MatchesStdExp) {
  double worst = 0, worstf = 0;
  for (double x = -700; x <= 700; x += 0.0137) {
    worst = std::max(worst, std::abs(fm::exp_fast(x) / std::exp(x) - 1));
    if (x > -87 && x < 88) {
      const float xf = static_cast<float>(x);
      worstf = std::max(worstf, std::abs(static_cast<double>(fm::exp_fast(xf)) / std::exp(static_cast<double>(xf)) - 1));
    }
  }
  EXPECT_LT(worst, 1e-15);
  EXPECT_LT(worstf, 1e-6);
  EXPECT_NEAR(fm::exp_fast(-1000.0) / std::exp(-708.0), 1.0, 1e-15);  // clamped: far below any row maximum
}

}  // namespace

// core/simd_max and first_equal against scalar loops, and the exact MIPS index's argmax (which reduces its score
// blocks with it) against a brute-force search on integer scores, where ties are exact.
namespace {

template <class T>
void check_against_scalar_loop() {
  Rng rng(5, "simd-max");
  const T ninf = -std::numeric_limits<T>::infinity();
  for (Index n = 0; n <= 300; ++n) {
    std::vector<T> p(static_cast<std::size_t>(n));
    for (auto& x : p) x = rng.below(4) == 0 ? ninf : static_cast<T>(rng.uniform(-1e3, 1e3));
    T want = ninf;
    for (const T x : p) want = std::max(want, x);
    EXPECT_EQ(simd_max(p.data(), n), want) << "n=" << n;
  }
  const std::vector<T> zeros = {T(-0.0), T(0.0), T(-0.0)};
  EXPECT_EQ(simd_max(zeros.data(), 3), T(0));
  // first_equal: the lowest position of a value, on every length and position, and n when absent.
  for (Index n = 1; n <= 70; ++n)
    for (Index at = 0; at < n; ++at) {
      std::vector<T> p(static_cast<std::size_t>(n), T(1));
      p[static_cast<std::size_t>(at)] = T(2);
      if (at + 1 < n) p[static_cast<std::size_t>(n - 1)] = T(2);
      ASSERT_EQ(first_equal(p.data(), n, T(2)), at) << "n=" << n;
      ASSERT_EQ(first_equal(p.data(), n, T(3)), n);
    }
  EXPECT_EQ(first_equal(zeros.data(), 3, T(0)), 0);  // −0 == +0, as in C
}

TEST(SimdMax, MaxAndFirstEqualMatchScalarLoopsInFloatAndDouble) {
  check_against_scalar_loop<float>();
  check_against_scalar_loop<double>();
}

// Small integers: every score ⟨x, y_j⟩ + g_j is exact in float, so the lowest atom among the tied
// maxima is well defined. d = 3 runs the fused loop, d = 12 the GEMM; N spans several 256-blocks.
TEST(SimdMax, ExactMipsTakesTheLowestAtomAmongTiedMaxima) {
  Rng rng(6, "simd-max-mips");
  for (const Index d : {3, 12}) {
    const Index N = 1500, n = 300;
    Mat y(N, d), x(n, d);
    Vec g(N);
    for (Index j = 0; j < N; ++j) {
      for (Index c = 0; c < d; ++c) y(j, c) = static_cast<double>(rng.below(3)) - 1;
      g[j] = static_cast<double>(rng.below(3));
    }
    for (Index i = 0; i < n; ++i)
      for (Index c = 0; c < d; ++c) x(i, c) = static_cast<double>(rng.below(5)) - 2;
    const auto got = ot::make_mips(y, g, Vec(), {})->argmax(x);
    for (Index i = 0; i < n; ++i) {
      Index best = 0;
      double top = -std::numeric_limits<double>::infinity();
      for (Index j = 0; j < N; ++j)
        if (const double s = x.row(i).dot(y.row(j)) + g[j]; s > top) {
          top = s;
          best = j;
        }
      ASSERT_EQ(got[static_cast<std::size_t>(i)], best) << "d=" << d << " row " << i;
    }
  }
}

}  // namespace
