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
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/nn/checkpoint.hpp"

namespace fm::train {
namespace {

// The closed-form path the config's source and target define, if they have one.
std::unique_ptr<field::Model> exact_model(const cfg::json& cfg, const Objective& obj) {
  const cfg::json& target = cfg["target"];
  const std::string type = target.value("type", "");
  if (type != "gaussian" && type != "gmm" && type != "schedule") return nullptr;
  cfg::json spec = {{"field", "exact"}, {"target", target}};
  if (!cfg["source"].is_null()) {
    if (cfg["source"].value("type", "") != "gaussian") return nullptr;
    spec["source"] = cfg["source"];
  }
  if (obj.type == "dfm") {
    if (type == "schedule") usage_error("objective dfm: a schedule target has no bridge path");
    spec["interpolant"] = {{"type", "bridge"}, {"sigma2", obj.sigma2}};
  }
  return std::make_unique<field::Model>(field::make_analytic_model(spec, "config"));
}

}  // namespace

Trainer::Trainer(cfg::json config) : config_(std::move(config)), adam_(0, {}) {
  seed_ = static_cast<std::uint64_t>(cfg::integer(config_, "seed", ""));
  opts_ = parse_train_options(config_["train"]);
  obj_ = Objective::parse(config_["objective"]);
  const dist::DistributionPtr target = dist::make_distribution(config_["target"], "target");
  const Index d = target->dim();
  const dist::DistributionPtr source =
      config_["source"].is_null() ? std::make_shared<dist::Gaussian>(dist::Gaussian::standard(d))
                                  : dist::make_distribution(config_["source"], "source");
  if (source->dim() != d)
    usage_error("source has dimension " + std::to_string(source->dim()) + " but target has dimension " +
                std::to_string(d));
  exact_ = exact_model(config_, obj_);
  if (obj_.type == "exact" && !exact_)
    usage_error("objective.type: 'exact' needs a target with a closed-form path (gaussian, gmm or schedule)");
  if (config_["target"].value("type", "") == "schedule" && obj_.type != "exact")
    usage_error("objective.type: a schedule target defines its own path; use {\"type\": \"exact\"}");

  coupling::validate_coupling_spec(config_["coupling"], "coupling");

  // Finite data sets are split once into training and held-out validation points.
  const cfg::json& data = config_["data"];
  const double holdout = cfg::number(data, "holdout", "data");
  const bool replacement = cfg::boolean_or(data, "replacement", true, "data");
  if (holdout < 0 || holdout >= 1) usage_error("data.holdout: expected a fraction in [0, 1)");
  const std::uint64_t val_seed = seed_ ^ purpose_id("validation");
  auto ds = std::dynamic_pointer_cast<const dist::Dataset>(target);
  std::unique_ptr<coupling::TargetSampler> train_t, val_t;
  if (ds) {
    const Mat& pts = ds->points();
    std::vector<Index> order(static_cast<std::size_t>(pts.rows()));
    std::iota(order.begin(), order.end(), 0);
    Rng split(seed_, "data/split");
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[split.below(i)]);
    const Index nval = static_cast<Index>(std::floor(holdout * static_cast<double>(pts.rows())));
    if (pts.rows() - nval < 1) usage_error("data.holdout: leaves no training points");
    Mat tr(pts.rows() - nval, d), va(std::max<Index>(nval, 1), d);
    for (Index i = 0; i < tr.rows(); ++i) tr.row(i) = pts.row(order[static_cast<std::size_t>(nval + i)]);
    for (Index i = 0; i < nval; ++i) va.row(i) = pts.row(order[static_cast<std::size_t>(i)]);
    if (nval == 0) va = tr;  // no holdout: validate on the training set
    train_t = std::make_unique<coupling::TargetSampler>(tr, replacement, seed_);
    val_t = std::make_unique<coupling::TargetSampler>(va, true, val_seed);
  } else {
    train_t = std::make_unique<coupling::TargetSampler>(target, seed_);
    val_t = std::make_unique<coupling::TargetSampler>(target, val_seed);
  }
  // Validation pairs stay independent: the validation loss measures the same regression for
  // every coupling.
  coupling_ = coupling::make_coupling(config_["coupling"], source, *train_t, seed_);
  val_coupling_ = std::make_unique<coupling::IndependentCoupling>(source, *val_t, val_seed);
  val_ = make_batch(obj_, 0, opts_.val_size, val_seed, val_coupling_.get(), exact_.get());
  val_scale_ = val_.target.squaredNorm() / static_cast<double>(val_.target.size());

  const nn::MlpSpec spec = nn::spec_from_config(config_["model"], d);
  mlp_ = std::make_shared<nn::Mlp>(spec);
  Rng init(seed_, "train/init");
  mlp_->init(init);
  adam_ = nn::Adam(mlp_->num_params(), opts_.adam);
  ema_.decay = opts_.ema;
  ema_.update(mlp_->params());

  if (exact_) {
    // Fixed evaluation points for ε² = ∫ E_{p_t}‖v̂ − u‖² dt: Gauss–Legendre times on [0, t_max].
    const QuadratureRule q = gauss_legendre(opts_.eps_grid, 0.0, obj_.t_max);
    eps_t_ = q.nodes;
    eps_w_ = q.weights;
    for (std::size_t k = 0; k < eps_t_.size(); ++k) {
      Rng r(seed_, "train/eps-points", k);
      eps_x_.push_back(exact_->sample_p(Vec::Constant(opts_.eps_samples, eps_t_[k]), r));
    }
  }
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
  const bool denoiser = obj_.type == "dfm" && obj_.parametrization == "denoiser";
  const field::MlpField v(net, denoiser ? field::MlpField::Output::Denoiser : field::MlpField::Output::Direct);
  const field::VelocityField& u = obj_.type == "dfm" ? *exact_->drift : *exact_->velocity;
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
  const double vl = loss(val_, net.forward(val_.x, val_.t));
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

double Trainer::step() {
  const double lr = opts_.lr.at(step_);
  const Batch b = make_batch(obj_, step_, opts_.batch, seed_, coupling_.get(), exact_.get());
  const Mat pred = mlp_->forward(b.x, b.t, &cache_);
  const double l = loss(b, pred, &dpred_);
  grad_.setZero(mlp_->num_params());
  mlp_->backward(cache_, dpred_, grad_);
  const double first = curves_.loss.empty() ? l : curves_.loss.front();
  if (!std::isfinite(l) || !grad_.allFinite() || l > opts_.divergence_factor * std::max(first, 1e-300)) {
    std::ostringstream msg;
    msg << "training diverged at step " << step_ << ": loss = " << l << " with lr = " << lr
        << " (lower train.lr or set train.clip)";
    runtime_error(msg.str());
  }
  if (opts_.clip > 0) {
    const double gn = grad_.norm();
    if (gn > opts_.clip) grad_ *= opts_.clip / gn;
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
  Progress bar("train", opts_.steps);
  while (step_ < opts_.steps) {
    const double l = step();
    if (bar.due(step_)) {
      std::ostringstream extra;
      extra.precision(4);
      extra << "loss " << l << "  " << static_cast<long>((step_ - start) / std::max(1e-9, timer.seconds())) << " it/s";
      bar.update(step_, extra.str());
    }
    const bool last = step_ == opts_.steps;
    if (step_ % opts_.eval_every == 0 || last) {
      evaluate(step_);
      if (on_eval) {
        nn::Mlp net = *mlp_;
        net.params() = ema_.shadow;
        on_eval(step_, net, curves_.val_loss.back());
      }
      r.train_loss = window_loss();
      if (opts_.target_loss > 0 && curves_.val_loss.back() <= opts_.target_loss) {
        r.status = "early_stopped";
        r.stop_reason = "validation loss reached train.target_loss";
        break;
      }
      if (opts_.target_nmse > 0 && curves_.val_loss.back() <= opts_.target_nmse * val_scale_) {
        r.status = "early_stopped";
        r.stop_reason = "normalised validation loss reached train.target_nmse";
        break;
      }
      if (opts_.patience > 0 && bad_evals_ >= opts_.patience) {
        r.status = "early_stopped";
        r.stop_reason = "no validation improvement for train.patience evaluations";
        break;
      }
    }
    if (!out.empty() && opts_.checkpoint_every > 0 && step_ % opts_.checkpoint_every == 0 && !last) {
      r.steps = step_;
      write(out, info, "checkpoint", r);
    }
  }
  bar.finish();
  r.steps = step_;
  r.wall_time_s = timer.seconds();
  r.steps_per_s = static_cast<double>(step_ - start) / std::max(1e-12, r.wall_time_s);
  if (!curves_.val_loss.empty()) r.val_loss = curves_.val_loss.back();
  r.best_val_loss = best_val_;
  if (std::isnan(r.train_loss)) r.train_loss = window_loss();  // resumed at its last step
  if (exact_ && !curves_.eps2.empty()) r.eps = std::sqrt(curves_.eps2.back());
  if (!out.empty()) write(out, info, "complete", r);
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
  io::write_metadata(f, info, config_);
  const bool denoiser = obj_.type == "dfm" && obj_.parametrization == "denoiser";
  cfg::json spec = {{"mlp", nn::spec_to_json(mlp_->spec())},
                    {"objective", obj_.to_json()},
                    {"output", obj_.type == "dfm" ? (denoiser ? "denoiser" : "drift") : "velocity"}};
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

io::Summary Trainer::summary(const TrainResult& r, const std::string& status) const {
  io::Summary s;
  s.set("run_id", 0LL);
  s.set("status", status == "complete" ? r.status : status);
  if (!r.stop_reason.empty()) s.set("stop_reason", r.stop_reason);
  s.set("steps", static_cast<long long>(r.steps));
  s.set("train_loss", r.train_loss);
  s.set("val_loss", curves_.val_loss.empty() ? std::nan("") : curves_.val_loss.back());
  s.set("best_val_loss", best_val_);
  if (exact_ && !curves_.eps2.empty()) s.set("eps", std::sqrt(curves_.eps2.back()));
  s.set("num_params", static_cast<long long>(mlp_->num_params()));
  s.set("steps_per_s", r.steps_per_s);
  s.set("wall_time_s", r.wall_time_s);
  coupling_->diagnostics(s);  // pairing time per pair and the coupling's own diagnostics
  return s;
}

}  // namespace fm::train
