#include "fmkit/train/trainer.hpp"

#include <cmath>
#include <numeric>
#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/coupling/make_coupling.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/core/quadrature.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/row_split.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/io/points.hpp"
#include "fmkit/nn/checkpoint.hpp"

namespace fm::train {
namespace {

// The closed-form path the spec's source and target define, if they have one.
std::unique_ptr<field::Model> exact_model(const TrainSpec& spec) {
  const cfg::json& target = spec.target;
  const std::string type = target.is_object() ? target.value("type", "") : "";
  if (type != "gaussian" && type != "gmm" && type != "schedule") return nullptr;
  cfg::json m = {{"field", "exact"}, {"target", target}};
  if (!spec.source.is_null()) {
    if (spec.source.value("type", "") != "gaussian") return nullptr;
    m["source"] = spec.source;
  }
  if (spec.objective.type == "dfm") {
    if (type == "schedule") usage_error("objective dfm: a schedule target has no bridge path");
    m["interpolant"] = {{"type", "bridge"}, {"sigma2", spec.objective.sigma2}};
  }
  return std::make_unique<field::Model>(field::make_analytic_model(m, "config"));
}

}  // namespace

TrainSplit split_training_points(const Mat& points, double holdout, std::uint64_t seed, const dist::Conditions& z) {
  const Index nval = static_cast<Index>(std::floor(holdout * static_cast<double>(points.rows())));
  if (points.rows() - nval < 1) usage_error("data.holdout: leaves no training points");
  FM_REQUIRE(z.empty() || z.rows() == points.rows(), "training points: one condition per point expected");
  // Conditions ride as extra columns through the one permutation (it depends only on the row count).
  const Index d = points.cols(), m = z.empty() ? 0 : z.z.cols();
  Mat joint(points.rows(), d + m);
  joint.leftCols(d) = points;
  if (m > 0) joint.rightCols(m) = z.z;
  Rng rng(seed, "data/split");
  dist::RowSplit rows = dist::split_rows(joint, nval, points.rows() - nval, rng);
  TrainSplit out{rows.second.leftCols(d), rows.first.leftCols(d), {}, {}};
  if (m > 0) {
    out.train_z = dist::Conditions{rows.second.rightCols(m), z.classes};
    out.val_z = dist::Conditions{rows.first.rightCols(m), z.classes};
  }
  if (nval == 0) {  // no holdout: validate on the training set
    out.val = out.train;
    out.val_z = out.train_z;
  }
  return out;
}

Trainer::Trainer(TrainSpec spec) : Trainer(std::move(spec), Mat()) {}

Trainer::Trainer(TrainSpec spec, const Mat& points, const dist::Conditions& conditions)
    : spec_(std::move(spec)), adam_(0, {}) {
  const Timer setup;
  seed_ = spec_.seed;
  spec_.train.lr.total = spec_.train.steps;  // the schedule spans the run, however the spec was built
  const TrainOptions& opts = spec_.train;
  opts.validate();
  spec_.data.validate();
  const Objective& obj = spec_.objective;
  check_precision(opts.precision, obj);
  const bool in_memory = points.size() > 0;
  dist::DistributionPtr target;
  if (!in_memory) target = dist::make_distribution(spec_.target, "target");
  if (in_memory && !points.allFinite()) usage_error("training points: non-finite coordinates");
  const Index d = in_memory ? points.cols() : target->dim();
  const dist::DistributionPtr source =
      spec_.source.is_null() ? std::make_shared<dist::Gaussian>(dist::Gaussian::standard(d))
                             : dist::make_distribution(spec_.source, "source");
  if (source->dim() != d)
    usage_error("source has dimension " + std::to_string(source->dim()) + " but target has dimension " +
                std::to_string(d));
  const bool labelled = in_memory ? !conditions.empty() : spec_.data.labels || !spec_.data.conditions.empty();
  if (labelled && obj.type != "fm")
    usage_error("objective.type: a conditional model is trained with fm (got " + obj.type + ")");
  if (obj.p_uncond > 0 && !labelled)
    usage_error("objective.p_uncond: the condition to drop needs conditions (data.labels = true)");
  // A conditional model's ε² would compare it with the unconditional exact field: not computed.
  if (!in_memory && !labelled) exact_ = exact_model(spec_);
  if (obj.type == "exact" && !exact_)
    usage_error("objective.type: 'exact' needs a target with a closed-form path (gaussian, gmm or schedule)");
  if (!in_memory && spec_.target.value("type", "") == "schedule" && obj.type != "exact")
    usage_error("objective.type: a schedule target defines its own path; use {\"type\": \"exact\"}");

  coupling::validate_coupling_spec(spec_.coupling, "coupling", spec_.train.batch);

  // Finite data (points in memory or a data file) are split once into training and held-out
  // validation points; a distribution is sampled afresh.
  const std::uint64_t val_seed = seed_ ^ purpose_id("validation");
  auto ds = std::dynamic_pointer_cast<const dist::Dataset>(target);
  std::unique_ptr<coupling::TargetSampler> train_t, val_t;
  if (in_memory || ds) {
    dist::Conditions z = conditions;
    if (!in_memory && spec_.data.labels) {
      if (ds->classes() == 0) usage_error("data.labels: the target data set has no labels column (target.labels)");
      z = dist::Conditions::from_labels(ds->labels(), ds->classes());
    }
    if (!in_memory && !spec_.data.conditions.empty()) {
      z = dist::Conditions{io::read_points(spec_.data.conditions), 0};
      if (z.rows() != ds->points().rows())
        usage_error("data.conditions: '" + spec_.data.conditions + "' has " + std::to_string(z.rows()) +
                    " rows for the target's " + std::to_string(ds->points().rows()) + " points");
      if (!z.z.allFinite()) usage_error("data.conditions: non-finite values in '" + spec_.data.conditions + "'");
    }
    TrainSplit split = split_training_points(in_memory ? points : ds->points(), spec_.data.holdout, seed_, z);
    train_t = std::make_unique<coupling::TargetSampler>(std::move(split.train), spec_.data.replacement, seed_,
                                                        std::move(split.train_z));
    val_t = std::make_unique<coupling::TargetSampler>(std::move(split.val), true, val_seed, std::move(split.val_z));
  } else {
    if (!spec_.data.conditions.empty())
      usage_error("data.conditions: a conditions file goes with a dataset target (one row per point)");
    train_t = std::make_unique<coupling::TargetSampler>(target, seed_, labelled);
    val_t = std::make_unique<coupling::TargetSampler>(target, val_seed, labelled);
  }
  // Validation pairs stay independent: the validation loss measures the same regression for
  // every coupling.
  coupling_ = coupling::make_coupling(spec_.coupling, source, *train_t, seed_);
  val_coupling_ = std::make_unique<coupling::IndependentCoupling>(source, *val_t, val_seed);
  val_ = make_batch(obj, 0, opts.val_size, val_seed, val_coupling_.get(), exact_.get());
  val_scale_ = val_.target.squaredNorm() / static_cast<double>(val_.target.size());

  spec_.model.dim = d;
  spec_.model.times = obj.type == "meanflow" ? 2 : 1;  // a mean-flow network takes (x, t, s)
  spec_.model.classes = train_t->classes();
  // Continuous conditions (points in memory with vectors beside them): the network takes the vector.
  spec_.model.cond_dim = train_t->classes() == 0 && train_t->conditional() ? train_t->conditions().z.cols() : 0;
  spec_.model.null_token = obj.p_uncond > 0;
  mlp_ = std::make_shared<nn::Mlp>(spec_.model);
  Rng init(seed_, "train/init");
  mlp_->init(init);
  adam_ = nn::Adam(mlp_->num_params(), opts.adam);
  ema_.decay = opts.ema;
  ema_.update(mlp_->params());

  if (exact_) {
    // Fixed evaluation points for ε² = ∫ E_{p_t}‖v̂ − u‖² dt: Gauss–Legendre times on [0, t_max].
    const QuadratureRule q = gauss_legendre(opts.eps_grid, 0.0, obj.t_max);
    eps_t_ = q.nodes;
    eps_w_ = q.weights;
    for (std::size_t k = 0; k < eps_t_.size(); ++k) {
      Rng r(seed_, "train/eps-points", k);
      eps_x_.push_back(exact_->sample_p(Vec::Constant(opts.eps_samples, eps_t_[k]), r));
    }
  }
  setup_s_ = setup.seconds();
}

void Trainer::resume(const io::H5File& run) {
  const nn::Checkpoint c = nn::read_checkpoint(run, "/runs/0/checkpoint", mlp_->num_params());
  if (c.seed != seed_) usage_error("--resume: the run file was trained with another seed");
  mlp_->params() = c.params;
  ema_.shadow = c.ema;
  adam_.m = c.adam_m;
  adam_.v = c.adam_v;
  adam_.t = c.adam_t;
  step_ = c.step;
  auto ints = [&](const std::string& n) { return run.read_ints("/runs/0/" + n); };
  auto dbl = [&](const std::string& n) { return run.read_doubles("/runs/0/" + n); };
  curves_.step = ints("train/step");
  curves_.loss = dbl("train/loss");
  curves_.lr = dbl("train/lr");
  curves_.eval_step = ints("eval/step");
  curves_.val_loss = dbl("eval/val_loss");
  if (exact_) curves_.eps2 = dbl("eval/eps2");
  const auto state = dbl("checkpoint/early_stopping");
  if (state.size() != 2) usage_error("--resume: checkpoint early-stopping state is malformed");
  best_val_ = state[0];
  bad_evals_ = static_cast<long>(state[1]);
  if (!run.exists("/runs/0/checkpoint/coupling_counters"))
    usage_error("--resume: the run file has no coupling counters (written by an older fmkit); start it again");
  coupling_->restore_counters(dbl("checkpoint/coupling_counters"));
  if (curves_.step.size() != static_cast<std::size_t>(step_))
    usage_error("--resume: run file curves do not match its checkpoint step (truncated file?)");
}

double Trainer::eps2_now() const {
  const auto net = std::make_shared<nn::Mlp>(*mlp_);
  net->params() = ema_.shadow;
  const bool denoiser = spec_.objective.type == "dfm" && spec_.objective.parametrization == "denoiser";
  const field::MlpField v(net, denoiser ? field::MlpField::Output::Denoiser : field::MlpField::Output::Direct);
  const field::VelocityField& u = spec_.objective.type == "dfm" ? *exact_->drift : *exact_->velocity;
  double e2 = 0;
  for (std::size_t k = 0; k < eps_t_.size(); ++k) {
    const Mat diff = v.value(eps_x_[k], eps_t_[k]) - u.value(eps_x_[k], eps_t_[k]);
    e2 += eps_w_[k] * diff.rowwise().squaredNorm().mean();
  }
  return e2;
}

void Trainer::evaluate(long step) {
  nn::Mlp net = *mlp_;
  net.params() = ema_.shadow;  // evaluate the weights fm-sample will use
  const double vl = spec_.objective.type == "meanflow" ? meanflow_loss(spec_.objective, val_, net)
                                                       : loss(val_, net.forward(val_.x, val_.t, nullptr, val_.cond));
  curves_.eval_step.push_back(step);
  curves_.val_loss.push_back(vl);
  if (exact_) curves_.eps2.push_back(eps2_now());
  if (vl < best_val_) {
    best_val_ = vl;
    bad_evals_ = 0;
  } else {
    ++bad_evals_;
  }
}

double Trainer::loss_and_gradient(const Batch& b) {
  if (spec_.train.precision == nn::Precision::Float32) {
    // The passes in float32; the loss, its gradient in the prediction and the update in float64
    // (a per-row n × d cost beside the GEMMs).
    p32_ = mlp_->params().cast<float>();
    const Mat pred = mlp_->forward_f32(p32_, b.x, b.t, &cache32_, b.cond).cast<double>();
    const double l = loss(b, pred, &dpred_);
    grad32_.setZero(mlp_->num_params());
    mlp_->backward_f32(p32_, cache32_, dpred_.cast<float>(), grad32_);
    grad_ = grad32_.cast<double>();
    return l;
  }
  const double l = spec_.objective.type == "meanflow" ? meanflow_loss(spec_.objective, b, *mlp_, &dpred_, &cache_)
                                                      : loss(b, mlp_->forward(b.x, b.t, &cache_, b.cond), &dpred_);
  grad_.setZero(mlp_->num_params());
  mlp_->backward(cache_, dpred_, grad_);
  return l;
}

std::optional<double> Trainer::step(std::string* diverged) {
  const double lr = spec_.train.lr.at(step_);
  const Batch b = make_batch(spec_.objective, step_, spec_.train.batch, seed_, coupling_.get(), exact_.get());
  const double l = loss_and_gradient(b);
  const double first = curves_.loss.empty() ? l : curves_.loss.front();
  if (!std::isfinite(l) || !grad_.allFinite() || l > spec_.train.divergence_factor * std::max(first, 1e-300)) {
    if (diverged) {
      std::ostringstream msg;
      msg << "training diverged at step " << step_ << ": loss = " << l << " with lr = " << lr
          << " (lower train.lr or set train.clip)";
      *diverged = msg.str();
    }
    return std::nullopt;
  }
  if (spec_.train.clip > 0) {
    const double gn = grad_.norm();
    if (gn > spec_.train.clip) grad_ *= spec_.train.clip / gn;
  }
  adam_.step(mlp_->params(), grad_, lr);
  ema_.update(mlp_->params());
  curves_.step.push_back(step_);
  curves_.loss.push_back(l);
  curves_.lr.push_back(lr);
  ++step_;
  return l;
}

TrainResult Trainer::run(const std::string& out, const io::RunInfo& info, const EvalHook& on_eval) {
  TrainResult r;
  Timer timer;
  const long start = step_;
  Progress bar("train", spec_.train.steps);
  while (step_ < spec_.train.steps) {
    const std::optional<double> l = step(&r.stop_reason);
    if (!l) {
      r.status = Status::Diverged;
      break;
    }
    if (bar.due(step_)) {
      std::ostringstream extra;
      extra.precision(4);
      extra << "loss " << *l << "  " << static_cast<long>((step_ - start) / std::max(1e-9, timer.seconds())) << " it/s";
      bar.update(step_, extra.str());
    }
    const bool last = step_ == spec_.train.steps;
    if (step_ % spec_.train.eval_every == 0 || last) {
      evaluate(step_);
      if (on_eval) {
        nn::Mlp net = *mlp_;
        net.params() = ema_.shadow;
        on_eval(step_, net, curves_.val_loss.back());
      }
      r.train_loss = window_loss();
      if (spec_.train.target_loss > 0 && curves_.val_loss.back() <= spec_.train.target_loss) {
        r.status = Status::EarlyStopped;
        r.stop_reason = "validation loss reached train.target_loss";
        break;
      }
      if (spec_.train.target_nmse > 0 && curves_.val_loss.back() <= spec_.train.target_nmse * val_scale_) {
        r.status = Status::EarlyStopped;
        r.stop_reason = "normalised validation loss reached train.target_nmse";
        break;
      }
      if (spec_.train.patience > 0 && bad_evals_ >= spec_.train.patience) {
        r.status = Status::EarlyStopped;
        r.stop_reason = "no validation improvement for train.patience evaluations";
        break;
      }
    }
    if (!out.empty() && spec_.train.checkpoint_every > 0 && step_ % spec_.train.checkpoint_every == 0 && !last) {
      r.steps = step_;
      write(out, info, "checkpoint", r);
    }
  }
  bar.finish();
  r.steps = step_;
  r.train_s = timer.seconds();
  r.setup_s = setup_s_;
  r.wall_time_s = r.setup_s + r.train_s;
  r.steps_per_s = static_cast<double>(step_ - start) / std::max(1e-12, r.train_s);
  if (!curves_.val_loss.empty()) r.val_loss = curves_.val_loss.back();
  r.best_val_loss = best_val_;
  if (std::isnan(r.train_loss)) r.train_loss = window_loss();  // resumed at its last step
  if (exact_ && !curves_.eps2.empty()) r.eps = std::sqrt(curves_.eps2.back());
  if (!out.empty() && r.ok()) write(out, info, "complete", r);
  return r;
}

double Trainer::window_loss() const {
  // The losses since the previous evaluation, summed in step order: computed from the stored
  // curve, it is the same number whether or not the run was resumed inside the window.
  const std::size_t n = curves_.loss.size();
  if (n == 0) return std::nan("");
  std::size_t from = 0;
  for (auto it = curves_.eval_step.rbegin(); it != curves_.eval_step.rend(); ++it)
    if (static_cast<std::size_t>(*it) < n) {
      from = static_cast<std::size_t>(*it);
      break;
    }
  double sum = 0;
  for (std::size_t i = from; i < n; ++i) sum += curves_.loss[i];
  return sum / static_cast<double>(n - from);
}

void Trainer::write(const std::string& out, const io::RunInfo& info, const std::string& status,
                    const TrainResult& r) const {
  auto f = io::H5File::create(out);
  io::write_metadata(f, info, spec_.config.is_null() ? cfg::json::object() : spec_.config);
  const bool denoiser = spec_.objective.type == "dfm" && spec_.objective.parametrization == "denoiser";
  cfg::json spec = {{"mlp", nn::spec_to_json(mlp_->spec())},
                    {"objective", spec_.objective.to_json()},
                    {"output", spec_.objective.type == "dfm"        ? (denoiser ? "denoiser" : "drift")
                               : spec_.objective.type == "meanflow" ? "meanflow"
                                                                    : "velocity"}};
  f.write("/model/spec", spec.dump());
  f.write("/runs/0/train/step", curves_.step);
  f.write("/runs/0/train/loss", curves_.loss);
  f.write("/runs/0/train/lr", curves_.lr);
  f.write("/runs/0/eval/step", curves_.eval_step);
  f.write("/runs/0/eval/val_loss", curves_.val_loss);
  if (exact_) f.write("/runs/0/eval/eps2", curves_.eps2);
  nn::Checkpoint c{mlp_->params(), ema_.shadow, adam_.m, adam_.v, adam_.t, step_, seed_};
  nn::write_checkpoint(f, "/runs/0/checkpoint", c);
  f.write("/runs/0/checkpoint/early_stopping", std::vector<double>{best_val_, static_cast<double>(bad_evals_)});
  f.write("/runs/0/checkpoint/coupling_counters", coupling_->counters());
  summary(r, status).write(f);
  f.commit(status);
}

std::string TrainResult::brief() const {
  std::ostringstream o;
  o.precision(4);
  o << to_string(status) << " after " << steps << " steps: train loss " << train_loss << ", val loss " << val_loss;
  if (!std::isnan(eps)) o << ", eps " << eps;
  if (!stop_reason.empty()) o << " (" << stop_reason << ")";
  return o.str();
}

io::Summary Trainer::summary(const TrainResult& r, const std::string& file_status) const {
  io::Summary s;
  s.set("run_id", 0LL);
  s.set("status", file_status == "complete" ? to_string(r.status) : file_status);
  if (!r.stop_reason.empty()) s.set("stop_reason", r.stop_reason);
  s.set("steps", static_cast<long long>(r.steps));
  s.set("train_loss", r.train_loss);
  s.set("val_loss", curves_.val_loss.empty() ? std::nan("") : curves_.val_loss.back());
  s.set("best_val_loss", best_val_);
  if (exact_ && !curves_.eps2.empty()) s.set("eps", std::sqrt(curves_.eps2.back()));
  s.set("num_params", static_cast<long long>(mlp_->num_params()));
  s.set("precision", nn::to_string(spec_.train.precision));
  s.set("steps_per_s", r.steps_per_s);
  s.set("wall_time_s", r.wall_time_s);
  s.set("setup_s", r.setup_s);
  s.set("train_s", r.train_s);
  coupling_->diagnostics(s);  // pairing time per pair and the coupling's own diagnostics
  return s;
}

}  // namespace fm::train
