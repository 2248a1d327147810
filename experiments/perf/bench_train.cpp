// Training and sampling throughput of the MLP (issue: learned fields), the fmkit side of
// experiments/perf/train_vs_torch.py. One benchmark iteration = one full training step as fm-train
// runs it (independent pairs N(0,I) → N(1,I), sinusoidal 16-frequency embedding, SiLU, Adam, EMA),
// in float64 or float32 (train.precision; the `f32` argument). Also Eigen DGEMM and SGEMM at 1024³
// for the fraction-of-peak columns, and sampling (points × NFE per second, Euler; chunks run in
// parallel), in both precisions.
#include <benchmark/benchmark.h>

#include "fmkit/core/allocator.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/integrate/cnf.hpp"
#include "fmkit/integrate/flow.hpp"
#include "fmkit/train/trainer.hpp"

using namespace fm;

namespace {

cfg::json bench_config(Index d, Index width) {
  cfg::json c = train::train_defaults();
  c["target"] = {{"type", "gaussian"}, {"mean", std::vector<double>(static_cast<std::size_t>(d), 1.0)}, {"std", 1.0}};
  c["model"]["hidden"] = {width, width, width};
  c["train"]["steps"] = 1000000000;
  c["train"]["val_size"] = 16;
  c["train"]["eps_samples"] = 1;
  c["train"]["eps_grid"] = 1;
  return c;
}

// Times full training steps of `config` (args: width, d, threads[, f32]); `gemms_per_param` counts the
// step's flops per batch row and parameter (6 for FM: forward and two backward GEMMs).
void time_steps(benchmark::State& st, const cfg::json& config, double gemms_per_param) {
  set_threads(static_cast<int>(st.range(2)));
  train::Trainer t(train::parse_train_spec(config));
  for (int i = 0; i < 20; ++i) t.step();  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(t.step());
  const double flops = gemms_per_param * 256.0 * static_cast<double>(t.mlp().num_params());
  st.counters["steps/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["params"] = static_cast<double>(t.mlp().num_params());
}

void BM_TrainStep(benchmark::State& st) {
  cfg::json c = bench_config(st.range(1), st.range(0));
  c["train"]["precision"] = st.range(3) ? "float32" : "float64";
  time_steps(st, c, 6.0);
}
BENCHMARK(BM_TrainStep)
    ->ArgNames({"width", "d", "threads", "f32"})
    ->ArgsProduct({{64, 256}, {2, 64}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One mean-flow training step (theory/sdfm_variants.md §2): the same pairs and network with the
// second time embedded, forward pass with its JVP (the target), backward, Adam, EMA; the FM step
// above is its reference (issue: mean flows, target ≤ 2× the FM step's time). FLOPs counted as
// 8·B·P: forward, tangent and the two backward GEMMs.
void BM_MeanFlowStep(benchmark::State& st) {
  cfg::json c = bench_config(st.range(1), st.range(0));
  c["objective"] = {{"type", "meanflow"}};
  time_steps(st, c, 8.0);
}
BENCHMARK(BM_MeanFlowStep)
    ->ArgNames({"width", "d", "threads"})
    ->ArgsProduct({{64, 256}, {2, 64}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One core: fmkit's GEMMs are single-threaded (EIGEN_DONT_PARALLELIZE), so this is their peak.
template <class M>
void gemm_peak(benchmark::State& st) {
  const Index n = 1024;
  const M a = M::Random(n, n), b = M::Random(n, n);
  M c(n, n);
  for (auto _ : st) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2e-9 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}
void BM_Dgemm(benchmark::State& st) { gemm_peak<Eigen::MatrixXd>(st); }
void BM_Sgemm(benchmark::State& st) { gemm_peak<Eigen::MatrixXf>(st); }
BENCHMARK(BM_Dgemm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Sgemm)->Unit(benchmark::kMillisecond)->UseRealTime();

// Euler sampling of a 3×width MLP: 10 000 points × 32 NFE, in float64 or float32 (f32).
void BM_SampleEuler(benchmark::State& st) {
  const Index width = st.range(0), d = st.range(1);
  set_threads(static_cast<int>(st.range(2)));
  nn::MlpSpec spec;
  spec.dim = d;
  spec.hidden = {width, width, width};
  auto mlp = std::make_shared<nn::Mlp>(spec);
  Rng rng(0, "bench");
  mlp->init(rng);
  const field::MlpField v(mlp, field::MlpField::Output::Direct,
                          st.range(3) ? nn::Precision::Float32 : nn::Precision::Float64);
  const Mat x0 = rng.normal(10000, d);
  integrate::FlowOptions o;
  o.method = integrate::Method::Euler;
  o.nfe = 32;
  for (auto _ : st) benchmark::DoNotOptimize(integrate::integrate_flow(v, x0, 0, 1, o).x.data());
  st.counters["point-NFE/s"] = benchmark::Counter(10000.0 * 32, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SampleEuler)
    ->ArgNames({"width", "d", "threads", "f32"})
    ->ArgsProduct({{64, 256}, {2}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The KL study's hot path for learned models: CNF log q and score for a 2-D MLP (2 × 128, raw t,
// the E1 network), Dopri5 rtol 1e-6 / atol 1e-8, 1024 points at t = 1.
void BM_CnfMlp(benchmark::State& st) {
  set_threads(static_cast<int>(st.range(0)));
  nn::MlpSpec spec;
  spec.dim = 2;
  spec.hidden = {128, 128};
  spec.embedding.type = "raw";
  auto mlp = std::make_shared<nn::Mlp>(spec);
  Rng rng(0, "bench");
  mlp->init(rng);
  const field::MlpField v(mlp);
  const Mat x = rng.normal(1024, 2);
  const dist::Gaussian src = dist::Gaussian::standard(2);
  double nfe = 0;
  for (auto _ : st) {
    const auto r = integrate::cnf_log_density(v, src, x, 1.0, {});
    nfe = r.nfe_mean;
    benchmark::DoNotOptimize(r.score.data());
  }
  st.counters["points/s"] = benchmark::Counter(1024, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["evals/s"] = benchmark::Counter(1024 * nfe, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["nfe"] = nfe;
}
BENCHMARK(BM_CnfMlp)->ArgNames({"threads"})->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  fm::keep_freed_memory();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
