// Throughput of the SD-FM oracle posterior (field/discrete_oracle_field): with ε > 0 each row costs
// N log-sum-exps over N atoms, the kernel that dominates the paper oracle study (1.6e6 rows per
// coupling at N = 1000). Counter "terms/s" = rows × N² per second, one thread.
// Run: build/bin/bench_oracle --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/field/discrete_oracle_field.hpp"

using namespace fm;

namespace {

// range(0) = N atoms in 2-D, range(1) = 1000 × ε (absolute), range(2) = 100 × t.
void BM_OraclePosterior(benchmark::State& st) {
  const Index N = st.range(0), n = 64;
  const double eps = st.range(1) / 1000.0, t = st.range(2) / 100.0;
  set_threads(1);
  Rng rng(0, "bench");
  const Mat y = rng.normal(N, 2);
  const Vec g = 0.1 * rng.normal(N, 1).col(0);
  const field::DiscreteOracleField f(y, Vec::Constant(N, 1.0 / N), g, eps);
  const Mat x = rng.normal(n, 2);
  for (auto _ : st) benchmark::DoNotOptimize(f.posterior(x, t).data());
  st.counters["terms/s"] = benchmark::Counter(static_cast<double>(n * N * N), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_OraclePosterior)
    ->Args({1000, 10, 30})
    ->Args({1000, 10, 90})
    ->Args({1000, 100, 30})
    ->Args({1000, 100, 90})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
