// Minibatch OT couplings (theory/sdfm.md §5): per batch, n fresh noises and n target points, the
// dot cost C_ij = −⟨x0_i, x1_j⟩ (or ‖x0 − x1‖²), and
//   exact_ot   the optimal permutation σ (shortest augmenting paths, ot/assignment); every x0_i is kept and paired with
//              x1_σ(i) — σ is applied to the target side;
//   sinkhorn   the log-domain entropic plan at ε = ε_rel·std(C); "row" sampling draws one partner
//              per noise, j ~ P_i·/a_i (each noise used once); "flattened" draws n pairs from P
//              with replacement (TorchCFM style; an ablation: marginals hold only in expectation).
// Conditions: with class labels OT runs within each class of the batch; with continuous conditions
// ("beta" > 0 required) on augmented points (x, √β z), the batch's target conditions standing for the
// noises' (the data's condition marginal), a pair's condition being its target's.
// Every solve's status, iterations, marginal error and entropy E(P) are accumulated for the run
// summary; a numerical error aborts (never a substituted plan), max_iterations is counted.
// Option "warm_start" (default off) starts every Sinkhorn solve from the soft c-transform of a
// reference solution (a cold solve of a problem drawn from (seed, 0)) rather than the previous step's, so draws
// still depend only on (seed, step) and resumed runs stay bit-identical. Measured on 8gaussians and
// moons (experiments/perf/RESULTS.md): 2–14 % MORE iterations than a cold start at n = 256 and 1024,
// ε_rel 0.1 and 0.03 — another batch's potentials are a worse start than zeros at these sizes — so
// it is an ablation, not the default.
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/coupling/coupling.hpp"
#include "fmkit/ot/cost.hpp"
#include "fmkit/ot/sinkhorn.hpp"

namespace fm::coupling {

// The spec's options, parsed and checked without any data (so a config is checked before work).
struct MinibatchOtSpec {
  std::string type, sampling = "row";
  ot::CostKind cost = ot::CostKind::Dot;
  double eps_rel = 0.1, tol = 1e-3;
  long max_iter = 5000;
  bool warm_start = false, single_precision = false;
  double omega = 1;         // Sinkhorn over-relaxation (ot/sinkhorn.hpp): 1 is plain, [1, 2) fixed
  bool omega_auto = false;  // "omega": "auto": ω* from the contraction rate of each solve's first iterations
  Index ot_batch = 0;  // 0: the training batch
  double beta = 0;  // continuous conditions: the condition's weight in the augmented cost
  // The OT problem size for training batches of `batch` rows: ot_batch, or the batch itself when
  // 0 (the one place that rule lives). A usage error naming `where`.ot_batch unless one of the two
  // divides the other.
  Index resolved_ot_batch(Index batch, const std::string& where) const;
};
MinibatchOtSpec parse_minibatch_ot_spec(const cfg::json& spec, const std::string& where);

class MinibatchOtCoupling : public Coupling {
 public:
  // spec: {"type": "exact_ot" | "sinkhorn", "cost": "dot" | "sqeuclid", "eps_rel", "tol", "max_iter",
  //        "sampling": "row" | "flattened", "ot_batch": n, "warm_start": false, "omega": 1 | "auto"}. ot_batch (default: the training batch)
  //        decouples the OT problem size from the batch B (sdfm.md §5): n < B concatenates B/n independent
  //        solves per step; n > B solves one problem of n pairs and serves it over n/B consecutive steps.
  MinibatchOtCoupling(const cfg::json& spec, dist::DistributionPtr source, TargetSampler target, std::uint64_t seed);
  void draw(long step, Index n, PairBatch& out) override;
  std::string name() const override { return spec_.type; }
  void diagnostics(io::Summary& s) const override;
  std::vector<double> counters() const override;
  void restore_counters(const std::vector<double>& c) override;

 private:
  MinibatchOtSpec spec_;  // parsed once; every solve reads its options here
  Index resolved_batch_ = 0;  // the OT problem size of the last draw, for the summary
  Mat ref_x0_;  // warm-start reference: noises and their potential f
  Vec ref_f_;
  void solve_reference(Index ob);
  ot::SinkhornOptions solve_options(const Mat& C) const;  // the spec's Sinkhorn options, ε from C's spread
  void draw_from_large_batch(long step, Index n, PairBatch& out);
  long cached_block_ = -1;  // ot_batch > batch: the block whose solution `cache_` holds
  long counted_block_ = -1;  // a resumed run's block, already counted before the checkpoint
  PairBatch cache_;
  // `partner` (optional): the block row of x1 each output row was paired with.
  void pair_block(long step, Index block, const Mat& x0, const Mat& x1, PairBatch& out, Index r0,
                  std::vector<Index>* partner = nullptr);
  // Rows [r0, r0 + rows) of a draw: one problem, or one per class when z holds labels.
  void pair_any(long step, Index block, const Mat& x0, const Mat& x1, const dist::Conditions& z, Index r0, Index rows,
                PairBatch& out);
  dist::DistributionPtr source_;
  TargetSampler target_;
  std::uint64_t seed_;
  long solves_ = 0, unconverged_ = 0, iterations_ = 0;
  double err_sum_ = 0, err_max_ = 0, entropy_sum_ = 0;
};

}  // namespace fm::coupling
