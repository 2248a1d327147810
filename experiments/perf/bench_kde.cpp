// The KDE log-sum-exp kernel of the TV-rate study's baseline: exact log-density of M queries
// against n points, and the leave-one-out likelihood of the bandwidth search, in ns per
// (query, point) pair. Args: n points, d, threads.
#include <benchmark/benchmark.h>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/metrics/kde.hpp"

using namespace fm;

namespace {

constexpr Index kQueries = 4096;

void log_density(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1);
  set_threads(static_cast<int>(st.range(2)));
  Rng rng(1, "bench/kde");
  const Mat pts = rng.normal(n, d), x = rng.normal(kQueries, d);
  const metrics::GaussianKde kde(pts, 0.1);
  for (auto _ : st) benchmark::DoNotOptimize(kde.log_density(x));
  st.counters["ns_per_pair"] = benchmark::Counter(static_cast<double>(kQueries * n) * 1e-9,
                                                  benchmark::Counter::kIsIterationInvariantRate |
                                                      benchmark::Counter::kInvert);
}

void loo(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1);
  set_threads(static_cast<int>(st.range(2)));
  Rng rng(2, "bench/kde");
  const metrics::GaussianKde kde(rng.normal(n, d), 0.1);
  for (auto _ : st) benchmark::DoNotOptimize(kde.loo_log_likelihood(kQueries));
  st.counters["ns_per_pair"] = benchmark::Counter(static_cast<double>(kQueries * n) * 1e-9,
                                                  benchmark::Counter::kIsIterationInvariantRate |
                                                      benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(log_density)->Args({4096, 1, 1})->Args({32768, 1, 1})->Args({32768, 1, 2})->Args({32768, 2, 2})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(loo)->Args({32768, 1, 2})->Args({32768, 2, 2})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
