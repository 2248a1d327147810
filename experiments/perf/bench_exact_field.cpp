// Throughput of the kernels inside every study: exact-mixture velocity evaluation (value, and
// value+Jacobian+div+∇div) and CNF log-density (with and without score), K = 8 components.
// Run: build/bin/bench_exact_field --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cmath>

#include "fmkit/core/allocator.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/field/exact_field.hpp"
#include "fmkit/integrate/cnf.hpp"

using namespace fm;

namespace {

std::shared_ptr<path::GaussianMixturePath> mixture(Index d, int K = 8) {
  std::vector<dist::Gaussian> comps;
  for (int k = 0; k < K; ++k) {
    Vec mu = Vec::Zero(d);
    mu[0] = 3 * std::cos(2 * M_PI * k / K);
    mu[1] = 3 * std::sin(2 * M_PI * k / K);
    comps.push_back(dist::Gaussian::isotropic(mu, 0.5));
  }
  return std::make_shared<path::GaussianMixturePath>(path::GaussianMixturePath::independent(
      dist::Gaussian::standard(d), dist::GaussianMixture(Vec::Constant(K, 1.0 / K), comps), 0.0));
}

void BM_VelocityValue(benchmark::State& st) {
  const Index d = st.range(0), n = st.range(1);
  set_threads(1);
  field::MixturePathField u(mixture(d), path::FieldKind::Velocity);
  Rng rng(0, "bench");
  const Mat x = rng.normal(n, d) * 2;
  for (auto _ : st) benchmark::DoNotOptimize(u.value(x, 0.6));
  st.counters["points/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_VelocityValue)->Args({2, 4096})->Args({8, 4096})->Unit(benchmark::kMicrosecond);

void BM_VelocityAllDerivatives(benchmark::State& st) {
  const Index d = st.range(0), n = st.range(1);
  set_threads(1);
  field::MixturePathField u(mixture(d), path::FieldKind::Velocity);
  Rng rng(0, "bench");
  const Mat x = rng.normal(n, d) * 2;
  Derivs ev;
  for (auto _ : st) {
    u.evaluate(x, 0.6, kAll, ev);
    benchmark::DoNotOptimize(ev.grad_div.data());
  }
  st.counters["points/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_VelocityAllDerivatives)->Args({2, 4096})->Args({8, 4096})->Unit(benchmark::kMicrosecond);

// CNF log q1 at points of the target; range(2) = 1 with score (state d+1+d²+d), 0 without.
void BM_CnfLogDensity(benchmark::State& st) {
  const Index d = st.range(0), n = st.range(1);
  const bool score = st.range(2) != 0;
  set_threads(static_cast<int>(st.range(3)));
  auto p = mixture(d);
  field::MixturePathField u(p, path::FieldKind::Velocity);
  Rng rng(1, "bench");
  const Mat x = p->sample(1.0, n, rng);
  integrate::CnfOptions o;
  o.score = score;
  double nfe = 0;
  for (auto _ : st) {
    const auto r = integrate::cnf_log_density(u, dist::Gaussian::standard(d), x, 1.0, o);
    nfe = r.nfe_mean;
    benchmark::DoNotOptimize(r.log_q.data());
  }
  st.counters["points/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["nfe"] = nfe;
}
BENCHMARK(BM_CnfLogDensity)
    ->ArgNames({"d", "n", "score", "threads"})
    ->Args({2, 2048, 0, 1})
    ->Args({2, 2048, 1, 1})
    ->Args({8, 1024, 0, 1})
    ->Args({8, 1024, 1, 1})
    ->Args({2, 2048, 1, 2})
    ->Args({8, 1024, 1, 2})
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  fm::keep_freed_memory();  // as every fmkit program does (core/allocator.hpp)
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
