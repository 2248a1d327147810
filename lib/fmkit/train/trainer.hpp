// The training loop: batches from a coupling (or the exact path), Adam with a schedule, gradient
// clipping, weight EMA, validation on a fixed held-out set, the true velocity error ε² when the
// target has an exact field, early stopping, divergence detection, periodic checkpoints written
// atomically, and bit-identical resume (every draw is keyed by (seed, step)).
#pragma once
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/core/status.hpp"
#include "fmkit/coupling/coupling.hpp"
#include "fmkit/field/model.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/io/summary.hpp"
#include "fmkit/nn/adam.hpp"
#include "fmkit/nn/ema.hpp"
#include "fmkit/nn/mlp.hpp"
#include "fmkit/train/objective.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::train {

struct TrainResult {
  // Complete (the step budget ran out), EarlyStopped (a stop rule fired) or Diverged (a
  // non-finite or exploding loss: the run stopped before the step that caused it, and
  // stop_reason says where and what to change).
  Status status = Status::Complete;
  std::string stop_reason;
  long steps = 0;
  double train_loss = std::numeric_limits<double>::quiet_NaN();  // mean over the last eval window
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double best_val_loss = std::numeric_limits<double>::quiet_NaN();
  double eps = std::numeric_limits<double>::quiet_NaN();  // √ε², when the target has an exact field
  // wall_time_s = setup_s (data, coupling precompute such as the semidiscrete potential, network)
  // + train_s (the steps, validations and checkpoints); steps_per_s counts train_s only.
  double steps_per_s = 0, wall_time_s = 0, setup_s = 0, train_s = 0;
  bool ok() const { return status != Status::Diverged; }
  std::string brief() const;  // one line: status, steps, losses
};

// A finite data set split for training: `holdout` of the rows, by a permutation keyed by
// (seed, "data/split"), for validation; no holdout validates on the training points.
struct TrainSplit {
  Mat train, val;
  dist::Conditions train_z, val_z;  // the points' conditions, split alike (empty without)
};
TrainSplit split_training_points(const Mat& points, double holdout, std::uint64_t seed,
                                 const dist::Conditions& z = {});

class Trainer {
 public:
  // Builds data, coupling, objective and network from the spec; the data are the spec's target
  // (sampled afresh, or a data file's points) or, in the second form, points held in memory.
  // A conditional run trains v(x, t, z): class labels from the spec's target (data.labels), or the
  // `conditions` given beside the points in memory (class labels or continuous vectors).
  explicit Trainer(TrainSpec spec);
  Trainer(TrainSpec spec, const Mat& points, const dist::Conditions& conditions = {});
  // Continues from the checkpoint and curves of a run file written by a Trainer.
  void resume(const io::H5File& run);
  // Called after every validation with the step, the evaluated network (EMA weights) and its
  // validation loss — for studies that measure checkpoints.
  using EvalHook = std::function<void(long step, const nn::Mlp& net, double val_loss)>;
  // Trains to train.steps, an early stop or divergence, and writes `out` (empty: no file; a
  // diverged run writes none, and an earlier checkpoint stays as it was).
  TrainResult run(const std::string& out, const io::RunInfo& info, const EvalHook& on_eval = {});

  // One optimisation step (batch, forward, backward, Adam, EMA); returns the batch loss, or an
  // empty optional (and the reason) on divergence, with the weights left as they were. run() is
  // a loop of these plus evaluation and checkpoints.
  std::optional<double> step(std::string* diverged = nullptr);
  long current_step() const { return step_; }

  // The run summary (the /summary row and the --json object) for a result and file status.
  // `file_status` is the run file's state: "complete", or "checkpoint" for a run in progress.
  io::Summary summary(const TrainResult& r, const std::string& file_status = "complete") const;

  const nn::Mlp& mlp() const { return *mlp_; }
  // The network with the EMA weights (what fm-sample uses by default).
  nn::Mlp ema_mlp() const {
    nn::Mlp net = *mlp_;
    net.params() = ema_.shadow;
    return net;
  }
  const TrainSpec& spec() const { return spec_; }
  const std::vector<double>& loss_curve() const { return curves_.loss; }  // one batch loss per step
  const coupling::Coupling& coupling() const { return *coupling_; }
  bool has_exact_field() const { return exact_ != nullptr; }

 private:
  struct Curves {
    std::vector<long long> step;
    std::vector<double> loss, lr;
    std::vector<long long> eval_step;
    std::vector<double> val_loss, eps2;
  };
  void evaluate(long step);
  double eps2_now() const;
  double window_loss() const;  // mean training loss since the previous evaluation
  void write(const std::string& out, const io::RunInfo& info, const std::string& status, const TrainResult& r) const;

  // The network's loss and gradient (into grad_) for batch b, in the run's precision.
  double loss_and_gradient(const Batch& b);

  Vec grad_;
  nn::Mlp::Cache cache_;
  Mat dpred_;
  // train.precision = float32: the weights cast for this step, and that pass's cache and gradient.
  nn::VecF p32_, grad32_;
  nn::Mlp::CacheF cache32_;
  TrainSpec spec_;
  std::uint64_t seed_;
  std::shared_ptr<nn::Mlp> mlp_;
  std::unique_ptr<coupling::Coupling> coupling_, val_coupling_;
  std::unique_ptr<field::Model> exact_;
  Batch val_;
  double val_scale_ = 1;  // mean square of the validation targets (for the NMSE stop)
  double setup_s_ = 0;    // the constructor's time
  std::vector<double> eps_t_, eps_w_;
  std::vector<Mat> eps_x_;
  nn::Adam adam_;
  nn::Ema ema_;
  long step_ = 0;
  double best_val_ = std::numeric_limits<double>::infinity();
  long bad_evals_ = 0;
  Curves curves_;
};

}  // namespace fm::train
