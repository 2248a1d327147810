// OT kernels (theory/sdfm.md §6): MIPS pairing by chunked GEMM argmax (float and double) and by
// FAISS IndexFlatIP, against Eigen SGEMM on the same shapes for the fraction-of-peak column; one
// semidiscrete SGD step (ε = 0 and ε > 0); and a Sinkhorn half-iteration sweep (ns per entry).
// Args: N atoms, d, threads.
#include <benchmark/benchmark.h>

#include <chrono>

#include "fmkit/core/allocator.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/cost.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/mips_quality.hpp"
#include "fmkit/ot/semidiscrete.hpp"
#include "fmkit/ot/soft_cells.hpp"
#include "fmkit/ot/sinkhorn.hpp"

using namespace fm;

namespace {

constexpr Index kQueries = 4096;

void mips(benchmark::State& st, const std::string& method, bool dbl) {
  const Index N = st.range(0), d = st.range(1);
  set_threads(static_cast<int>(st.range(2)));
  Rng rng(1, "bench/mips");
  const Mat y = rng.normal(N, d), x = rng.normal(kQueries, d);
  const Vec g = rng.normal(N, 1).col(0);
  ot::MipsOptions o;
  o.method = method;
  o.double_precision = dbl;
  const auto index = ot::make_mips(y, g, Vec(), o);
  for (auto _ : st) benchmark::DoNotOptimize(index->argmax(x));
  const double flops = 2.0 * static_cast<double>(kQueries) * static_cast<double>(N) * static_cast<double>(d + 1);
  st.counters["pairs/s"] = benchmark::Counter(static_cast<double>(kQueries), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MipsExactFloat(benchmark::State& st) { mips(st, "exact", false); }
void BM_MipsExactDouble(benchmark::State& st) { mips(st, "exact", true); }
void BM_MipsFaissFlat(benchmark::State& st) { mips(st, "flat", false); }

// The GEMM inside MIPS alone (queries × keysᵀ in float, 256-row blocks × 4096-atom chunks as
// make_mips runs it, no argmax): the peak the pairing kernel can approach.
void BM_Sgemm(benchmark::State& st) {
  const Index N = st.range(0), d = st.range(1);
  set_threads(static_cast<int>(st.range(2)));
  using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const M q = M::Random(kQueries, d + 1), k = M::Random(N, d + 1);
  for (auto _ : st) {
#pragma omp parallel for schedule(dynamic)
    for (Index r0 = 0; r0 < kQueries; r0 += 256) {
      M s;
      for (Index c0 = 0; c0 < N; c0 += 4096) {
        s.noalias() = q.middleRows(r0, 256) * k.middleRows(c0, std::min<Index>(4096, N - c0)).transpose();
        benchmark::DoNotOptimize(s.data());
      }
    }
  }
  const double flops = 2.0 * static_cast<double>(kQueries) * static_cast<double>(N) * static_cast<double>(d + 1);
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// One SGD step of the semidiscrete solver (batch 256): a run of `steps` steps divided out.
void BM_SemidiscreteStep(benchmark::State& st) {
  const Index N = st.range(0), d = st.range(1);
  set_threads(static_cast<int>(st.range(2)));
  const double eps = st.range(3) ? 0.1 : 0.0;
  Rng rng(2, "bench/sd");
  const Mat y = rng.normal(N, d);
  const dist::Gaussian mu = dist::Gaussian::standard(d);
  ot::SemidiscreteOptions o;
  o.eps = eps;
  o.steps = 50;
  o.batch = 256;
  o.lr = 0.1;
  o.eval_every = 1000000;
  o.eval_batch = 2;
  o.eval_repeats = 1;
  for (auto _ : st) benchmark::DoNotOptimize(ot::semidiscrete(mu, y, Vec::Constant(N, 1.0 / N), o).g.data());
  st.counters["steps/s"] = benchmark::Counter(50, benchmark::Counter::kIsIterationInvariantRate);
}

// The ε > 0 SGD step's and χ² check's kernel: the softmax cell weights' column sums of one batch,
// materialised (cell_weights, then column sums: the path before 2026-12-03) against fused
// (soft_cell_sums). Args: N, d, batch, fused, squares (the χ² check also sums the squares).
// The paper's G d=8 fit: N = 16 000, d = 8, batch 1000 per step and 4427 per χ² batch.
void BM_SoftColumnSums(benchmark::State& st) {
  const Index N = st.range(0), d = st.range(1), n = st.range(2);
  const bool fused = st.range(3) != 0, squares = st.range(4) != 0;
  set_threads(1);
  Rng rng(3, "bench/soft_sums");
  const Mat y = rng.normal(N, d), x = rng.normal(n, d);
  const Vec g = Vec::Zero(N), b = Vec::Constant(N, 1.0 / static_cast<double>(N));
  for (auto _ : st) {
    if (fused) {
      benchmark::DoNotOptimize(ot::soft_cell_sums(x, y, g, b, 0.04, squares).col.data());
    } else {
      const Mat s = ot::cell_weights(x, y, g, b, 0.04);
      Vec col = s.colwise().sum().transpose();
      if (squares) col += s.array().square().colwise().sum().transpose().matrix();
      benchmark::DoNotOptimize(col.data());
    }
  }
  st.counters["ns/entry"] = benchmark::Counter(static_cast<double>(n) * static_cast<double>(N) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The ε > 0 coupling's pairing of one training batch (256 queries): the materialised softmax and
// an inverse-CDF scan of each row (the coupling before soft_cell_draw), against the fused draw.
// N = 16 000 atoms in d = 8 as in the paper's G d=8; g = −‖y‖²/2 (nearest-atom cells) and ε
// relative to std⟨x, y⟩ = √d, so that blocks are skipped about as at a fitted potential.
// Args: N, d, n, fused, 1000 ε_rel.
void BM_SoftPairing(benchmark::State& st) {
  const Index N = st.range(0), d = st.range(1), n = st.range(2);
  const bool fused = st.range(3) != 0;
  const double eps = 1e-3 * static_cast<double>(st.range(4)) * std::sqrt(static_cast<double>(d));
  set_threads(1);
  Rng rng(5, "bench/soft_pairing");
  const Mat y = rng.normal(N, d), x = rng.normal(n, d);
  const Vec g = -0.5 * y.rowwise().squaredNorm();
  const Vec b = Vec::Constant(N, 1.0 / static_cast<double>(N));
  std::vector<double> u(static_cast<std::size_t>(n));
  for (double& v : u) v = rng.uniform();
  for (auto _ : st) {
    if (fused) {
      benchmark::DoNotOptimize(ot::soft_cell_draw(x, y, g, b, eps, u).data());
    } else {
      const Mat s = ot::cell_weights(x, y, g, b, eps);
      std::vector<Index> atom(static_cast<std::size_t>(n));
      for (Index i = 0; i < n; ++i) {
        double acc = 0;
        Index j = 0;
        for (; j + 1 < N; ++j) {
          acc += s(i, j);
          if (u[static_cast<std::size_t>(i)] < acc) break;
        }
        atom[static_cast<std::size_t>(i)] = j;
      }
      benchmark::DoNotOptimize(atom.data());
    }
  }
  st.counters["us/pair"] = benchmark::Counter(static_cast<double>(n) * 1e-6,
                                              benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Approximate MIPS judged as sdfm.md §3 asks: recall@1 against the exact argmax and the χ² of the
// assignment each index produces, for a potential fitted to χ² ≤ 0.02 (N = 4096, d = 16, 16k queries).
// Where an approximate index starts to pay (issue 23 §3): SD pairing time per query against the
// atom count N (d = 64, synthetic: Gaussian atoms and queries, g_j = −‖y_j‖²/2, the nearest-atom
// cells the dual SGD starts from, so cells are roughly balanced without a fit at N = 1M), exact
// against HNSW (M 32, efSearch 64) and IVF (nlist 4√N, nprobe 8), each with its recall and the χ²
// of its assignment beside the exact search's (ot/mips_quality, 4 × 4096 fresh draws). Queries on
// one thread; the index is built on two (build_s). Args: N, method (0 exact, 2 hnsw, 3 ivf).
void BM_MipsScaling(benchmark::State& st) {
  const Index N = st.range(0), d = 64;
  const std::string method = st.range(1) == 0 ? "exact" : st.range(1) == 2 ? "hnsw" : "ivf";
  Rng rng(4, "bench/mips-scaling", static_cast<std::uint64_t>(N));
  const Mat y = rng.normal(N, d);
  const Vec g = -0.5 * y.rowwise().squaredNorm();
  const Vec b = Vec::Constant(N, 1.0 / static_cast<double>(N));
  const Mat x = rng.normal(16384, d);
  std::vector<Mat> probes;
  for (int r = 0; r < 4; ++r) probes.push_back(rng.normal(4096, d));
  ot::MipsOptions o;
  o.method = method;
  set_threads(2);
  const auto t0 = std::chrono::steady_clock::now();
  const auto index = ot::make_mips(y, g, b, o);
  const double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto exact = ot::make_mips(y, g, b, ot::MipsOptions{});
  set_threads(1);
  for (auto _ : st) benchmark::DoNotOptimize(index->argmax(x));
  const ot::MipsQuality q = ot::mips_quality(method, *index, *exact, probes, b);
  st.counters["build_s"] = build;
  st.counters["us/query"] = benchmark::Counter(16384 * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                                                 benchmark::Counter::kInvert);
  st.counters["recall"] = q.recall;
  st.counters["chi2"] = q.chi2.value;
  st.counters["chi2_exact"] = q.chi2_exact.value;
}

void BM_SinkhornIteration(benchmark::State& st) {
  const Index n = st.range(0);
  set_threads(static_cast<int>(st.range(2)));
  Rng rng(3, "bench/sinkhorn");
  const Mat C = ot::cost_matrix(rng.normal(n, st.range(1)), rng.normal(n, st.range(1)), ot::CostKind::SqEuclid);
  ot::SinkhornOptions o;
  o.eps = 0.01 * ot::cost_std(C);
  o.max_iter = 20;
  o.single_precision = st.range(3) != 0;
  const Vec a = Vec::Constant(n, 1.0 / static_cast<double>(n));
  for (auto _ : st) benchmark::DoNotOptimize(ot::sinkhorn(C, a, a, o).cost);
  st.counters["ns/entry/it"] = benchmark::Counter(static_cast<double>(n * n) * 20,
                                                  benchmark::Counter::kIsIterationInvariantRate |
                                                      benchmark::Counter::kInvert) ;
}

}  // namespace

// The dense assignment as training and scoring meet it: a minibatch OT pairing (n = 256) and an
// exact W2 between 1000 generated and 1000 test points, Gaussian noise against Gaussian points
// shifted by one, squared Euclidean cost. Args: n, d.
void BM_LinearAssignment(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1);
  Rng rng(3, "bench/assignment");
  const Mat x = rng.normal(n, d), y = (rng.normal(n, d).array() + 1.0).matrix();
  const Mat c = ot::sq_euclidean_cost(x, y);
  for (auto _ : st) benchmark::DoNotOptimize(ot::linear_assignment(c).cost);
}

BENCHMARK(BM_MipsExactFloat)->Args({16384, 2, 1})->Args({16384, 64, 1})->Args({16384, 64, 2})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MipsExactDouble)->Args({16384, 64, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MipsFaissFlat)->Args({16384, 2, 1})->Args({16384, 64, 1})->Args({16384, 64, 2})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MipsScaling)
    ->ArgsProduct({{4096, 16384, 65536, 262144, 1048576}, {0, 2, 3}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_Sgemm)->Args({16384, 64, 1})->Args({16384, 64, 2})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SemidiscreteStep)->Args({4096, 16, 1, 0})->Args({4096, 16, 1, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SoftColumnSums)
    ->Args({16000, 8, 1000, 0, 0})->Args({16000, 8, 1000, 1, 0})
    ->Args({16000, 8, 4427, 0, 1})->Args({16000, 8, 4427, 1, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SoftPairing)
    ->ArgsProduct({{16000}, {8}, {256}, {0, 1}, {10, 100}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LinearAssignment)->Args({256, 2})->Args({256, 8})->Args({1000, 2})->Args({1000, 8})->Args({1000, 64})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SinkhornIteration)->Args({1000, 16, 1, 0})->Args({1000, 16, 1, 1})->Args({1000, 16, 2, 1})->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  keep_freed_memory();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
