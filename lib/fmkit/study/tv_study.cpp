#include "fmkit/study/tv_study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "fmkit/bounds/kl_estimators.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/metrics/kde.hpp"
#include "fmkit/metrics/monte_carlo.hpp"
#include "fmkit/metrics/rate_fit.hpp"
#include "fmkit/nn/checkpoint.hpp"
#include "fmkit/study/count_list.hpp"
#include "fmkit/study/name_selection.hpp"
#include "fmkit/train/train_spec.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {
namespace {

using cfg::json;

TvTarget parse_target(const json& t, const std::string& w) {
  cfg::expect_keys(t, w, {"name", "target", "beta"});
  TvTarget out;
  out.name = cfg::string(t, "name", w);
  out.spec = cfg::at(t, "target", w);
  out.dist = dist::make_distribution(out.spec, w + ".target");
  if (!out.dist->has_density()) usage_error(w + ".target: the study needs a target with an exact density");
  out.dim = out.dist->dim();
  // A holder target carries its own β; for any other target "beta" states the smoothness the
  // reference is read against (null or absent: smooth).
  const bool holder = out.spec.value("type", "") == "holder";
  if (holder && t.contains("beta") && !t["beta"].is_null() &&
      cfg::number(t, "beta", w) != cfg::number(out.spec, "beta", w + ".target"))
    usage_error(w + ".beta: differs from the holder target's own beta");
  if (holder || (t.contains("beta") && !t["beta"].is_null())) {
    out.beta = holder ? cfg::number(out.spec, "beta", w + ".target") : cfg::number(t, "beta", w);
    if (!(out.beta > 0)) usage_error(w + ".beta: expected a positive smoothness or null (smooth)");
    out.minimax = out.beta / (2 * out.beta + static_cast<double>(out.dim));
    out.kde_beta = std::min(out.beta, 2.0);
  }
  out.truth = field::make_analytic_model({{"field", "exact"}, {"target", out.spec}}, w);
  return out;
}

Mat training_set(const TvTarget& t, std::uint64_t seed, long long n, long long rep) {
  Rng rng(seed, "tv/train/" + t.name + "/n=" + std::to_string(n), static_cast<std::uint64_t>(rep));
  return t.dist->sample(n, rng);
}

metrics::BandwidthFit cv_bandwidth(const Mat& x, const TvStudySpec::Kde& kde) {
  const double s = dist::scalar_scale(x);  // the bracket is relative to the sample's spread
  return metrics::kde_cv_bandwidth(x, kde.h_lo * s, kde.h_hi * s, kde.cv_points);
}

// The capacity / early-stopping rule at sample size n: the network, step budget, batch and
// validation size of `train`, each multiplied by (n / n_ref)^exponent when train.scale says so (a
// fixed rule otherwise); the network with the best held-out FM loss is kept.
train::TrainSpec train_spec(const json& tr, const TvStudySpec::Scale& sc, long long n) {
  json t = train::train_defaults();
  t["target"] = {{"type", "gaussian"}, {"mean", {0.0}}, {"std", 1.0}};  // replaced per fit
  t["data"] = {{"replacement", true}, {"holdout", tr["holdout"]}};
  t["model"]["hidden"] = tr["hidden"];
  for (const char* k : {"steps", "batch", "lr", "ema", "eval_every", "patience", "val_size"}) t["train"][k] = tr[k];
  const double ratio = static_cast<double>(n) / static_cast<double>(sc.n_ref);
  // A scaled count is rounded and at least 1; beyond its limit it is refused, naming n.
  auto scaled = [&](json& v, double exponent, const std::string& key, long long limit) {
    if (exponent == 0 || !v.is_number()) return;  // a non-number is refused by the trainer's own parser
    const double x = std::max(1.0, std::round(v.get<double>() * std::pow(ratio, exponent)));
    if (!(x <= static_cast<double>(limit)))
      usage_error("config.train.scale: gives " + key + " = " + json(x).dump() + " at n = " + std::to_string(n) + ", above " +
                  std::to_string(limit));
    v = static_cast<long long>(x);
  };
  scaled(t["train"]["steps"], sc.steps, "train.steps", cfg::kMaxSteps);
  scaled(t["train"]["batch"], sc.batch, "train.batch", cfg::kMaxPoints);
  scaled(t["train"]["val_size"], sc.val_size, "train.val_size", cfg::kMaxPoints);
  if (t["model"]["hidden"].is_array())
    for (json& w : t["model"]["hidden"]) scaled(w, sc.width, "train.hidden", cfg::kMaxDim);
  train::TrainSpec spec = train::parse_train_spec(t);
  spec.config = nullptr;
  return spec;
}

// One fit: on the finite training set `x`, or (x empty) on fresh samples of the target `spec`.
nn::Mlp train_velocity(train::TrainSpec spec, const json& target, const Mat& x, std::uint64_t seed,
                       train::TrainResult& res) {
  spec.seed = seed;
  spec.target = target;
  train::Trainer trainer(std::move(spec), x);
  double best = std::numeric_limits<double>::infinity();
  nn::Mlp best_net = trainer.ema_mlp();
  res = trainer.run("", {"fm-tv-study", seed}, [&](long, const nn::Mlp& net, double val) {
    if (val < best) {
      best = val;
      best_net = net;
    }
  });
  if (!res.ok()) runtime_error("TV study, seed " + std::to_string(seed) + ": " + res.stop_reason);
  return best_net;
}

// The Monte-Carlo KL and TV of a density q against p at the fixed evaluation samples.
void kde_columns(io::Table& table, const std::string& prefix, const Vec& log_p, const Vec& log_q, double h) {
  const auto kl = metrics::mc_kl(log_p, log_q);
  const auto tv = metrics::mc_tv(log_p, log_q);
  table.set(prefix + "_h", h);
  table.set(prefix + "_kl", kl.value);
  table.set(prefix + "_kl_se", kl.se);
  table.set(prefix + "_tv", tv.value);
  table.set(prefix + "_tv_se", tv.se);
}

// One row per (target, quantity): the exponent r of y ∝ n^{−r} over n ≥ fit_n_min, its bootstrap
// interval and the reference it is read against.
io::Table fit_table(const io::Table& summary, const TvStudySpec& c) {
  struct Quantity {
    const char* column;
    const char* reference;
    double factor;  // reference = factor × the minimax exponent (or the kernel-limited one)
    bool kernel;
  };
  const Quantity quantities[] = {
      {"tv", "minimax beta/(2beta+d) (1/2 smooth)", 1.0, false},
      {"kde_tv", "kernel order 2: min(beta,2)/(2min(beta,2)+d)", 1.0, true},
      {"kde_oracle_tv", "kernel order 2: min(beta,2)/(2min(beta,2)+d)", 1.0, true},
      {"eps", "minimax (if eps_n tracks the density rate)", 1.0, false},
      {"kl", "2 x minimax (KL ~ TV^2)", 2.0, false},
      {"tv_bound", "minimax/2 (sqrt(A1 eps) with eps at the minimax rate)", 0.5, false},
  };
  const double n_min = c.fit_n_min;
  auto number = [&](std::size_t row, const std::string& col) {
    return std::visit(
        [](const auto& v) -> double {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) return std::nan("");
          else return static_cast<double>(v);
        },
        summary.get(row, col));
  };
  io::Table fits;
  for (std::size_t ti = 0; ti < c.targets.size(); ++ti) {
    if (!c.selected[ti]) continue;  // the bootstrap is seeded by ti, as in a full run
    const TvTarget& tg = c.targets[ti];
    for (const Quantity& q : quantities) {
      std::vector<double> n, y;
      for (std::size_t i = 0; i < summary.rows(); ++i)
        if (std::get<std::string>(summary.get(i, "target")) == tg.name) {
          n.push_back(number(i, "n"));
          y.push_back(number(i, q.column));
        }
      const auto f = metrics::fit_rate(n, y, n_min, c.bootstrap.level, c.bootstrap.resamples, ti);
      const double kb = tg.kde_beta, d = static_cast<double>(tg.dim);
      const double ref = q.factor * (q.kernel ? (std::isinf(tg.beta) ? 2 / (4 + d) : kb / (2 * kb + d)) : tg.minimax);
      fits.add_row();
      fits.set("target", tg.name);
      fits.set("quantity", q.column);
      fits.set("slope", f.rate);
      fits.set("intercept", f.intercept);  // log y ≈ intercept − slope·log n
      fits.set("lo", f.lo);
      fits.set("hi", f.hi);
      fits.set("reference_slope", ref);
      fits.set("reference", q.reference);
      fits.set("within_interval", static_cast<long long>(f.lo <= ref && ref <= f.hi));
      fits.set("n_min", n_min);
      fits.set("n_values", static_cast<long long>(f.n_values));
      fits.set("dropped", static_cast<long long>(f.dropped));
    }
  }
  return fits;
}

// How the bootstrap interval of FM's TV exponent moves as repetitions are added: the fit of
// fit_table with the first k repetitions of every n, k = 3, 5, 8, 13, … and all of them. With few
// repetitions per n the stratified bootstrap has few distinct resamples and its interval is too
// narrow; a width that no longer changes from one k to the next is what "enough" means.
io::Table stability_table(const io::Table& summary, const TvStudySpec& c) {
  std::vector<long long> ks;
  for (long long a = 3, b = 5; a < c.reps; std::tie(a, b) = std::pair{b, a + b}) ks.push_back(a);
  ks.push_back(c.reps);
  io::Table out;
  for (std::size_t ti = 0; ti < c.targets.size(); ++ti) {
    if (!c.selected[ti]) continue;
    for (long long k : ks) {
      std::vector<double> n, y;
      for (std::size_t i = 0; i < summary.rows(); ++i)
        if (std::get<std::string>(summary.get(i, "target")) == c.targets[ti].name &&
            std::get<long long>(summary.get(i, "rep")) < k) {
          n.push_back(static_cast<double>(std::get<long long>(summary.get(i, "n"))));
          y.push_back(std::get<double>(summary.get(i, "tv")));
        }
      const auto f = metrics::fit_rate(n, y, c.fit_n_min, c.bootstrap.level, c.bootstrap.resamples, ti);
      out.add_row();
      out.set("target", c.targets[ti].name);
      out.set("quantity", "tv");
      out.set("reps_used", k);
      out.set("slope", f.rate);
      out.set("lo", f.lo);
      out.set("hi", f.hi);
      out.set("width", f.hi - f.lo);
    }
  }
  return out;
}

}  // namespace

json tv_study_defaults() {
  return json::parse(R"({
    "seed": 0,
    "only": null,
    "targets": [],
    "n": [256, 512, 1024, 2048, 4096, 8192, 16384, 32768],
    "reps": 5,
    "floor_reps": 1,
    "fit_n_min": 1024,
    "train": {"hidden": [64, 64, 64], "steps": 10000, "batch": 256, "lr": 0.001, "ema": 0.999,
              "eval_every": 250, "patience": 8, "holdout": 0.1, "val_size": 4096,
              "scale": {"n_ref": 256, "steps": 0.0, "batch": 0.0, "width": 0.0, "val_size": 0.0}},
    "eval": {"m": 20000, "grid": 64, "n_eps": 2048, "n_score": 512, "seed": 12345},
    "kde": {"cv_points": 4096, "h_lo": 0.001, "h_hi": 2.0},
    "bootstrap": {"resamples": 2000, "level": 0.9}
  })");
}

std::set<std::string> tv_study_opaque() { return {"only", "targets"}; }

TvStudySpec parse_tv_study(const json& c) {
  cfg::expect_keys(c, "config",
                   {"seed", "only", "targets", "n", "reps", "floor_reps", "fit_n_min", "train", "eval", "kde", "bootstrap"});
  const json &tr = c["train"], &ev = c["eval"], &kde = c["kde"], &bs = c["bootstrap"];
  cfg::expect_keys(tr, "train",
                   {"hidden", "steps", "batch", "lr", "ema", "eval_every", "patience", "holdout", "val_size", "scale"});
  const json& sc = tr["scale"];
  cfg::expect_keys(sc, "config.train.scale", {"n_ref", "steps", "batch", "width", "val_size"});
  cfg::expect_keys(ev, "eval", {"m", "grid", "n_eps", "n_score", "seed"});
  cfg::expect_keys(kde, "kde", {"cv_points", "h_lo", "h_hi"});
  cfg::expect_keys(bs, "bootstrap", {"resamples", "level"});
  TvStudySpec s;
  s.seed = static_cast<std::uint64_t>(cfg::integer(c, "seed", "config"));
  s.reps = cfg::count(c, "reps", "config", 1, 100000);
  s.floor_reps = cfg::count(c, "floor_reps", "config", 0, 100000);
  s.fit_n_min = cfg::number(c, "fit_n_min", "config");
  if (s.fit_n_min < 0) usage_error("config.fit_n_min: expected a sample size >= 0");
  s.n = count_list(c, "n", "config", 20, cfg::kMaxPoints, "sample sizes");
  std::sort(s.n.begin(), s.n.end());
  s.scale.n_ref = cfg::count(sc, "n_ref", "config.train.scale", 1, cfg::kMaxPoints);
  for (auto [key, exponent] : {std::pair{"steps", &s.scale.steps}, {"batch", &s.scale.batch},
                               {"width", &s.scale.width}, {"val_size", &s.scale.val_size}}) {
    *exponent = cfg::number(sc, key, "config.train.scale");
    // The exponent of a power law in n: at 1 the count doubles when n doubles; 2 is a generous cap.
    if (!(*exponent >= 0 && *exponent <= 2))
      usage_error(std::string("config.train.scale.") + key + ": expected an exponent in [0, 2]");
  }
  // The training recipe at every n exactly as each fit builds it, so a rule that breaks at some
  // n is refused here.
  const double holdout = cfg::number(tr, "holdout", "train");
  if (!(holdout >= 0 && holdout < 1)) usage_error("train.holdout: expected a fraction in [0, 1)");
  for (long long n : s.n) {
    try {
      s.recipes.push_back(train_spec(tr, s.scale, n));
    } catch (const Error& e) {  // the trainer's parsers name model.* and data.*: say it is config.train
      const std::string m = e.what();
      usage_error(m.rfind("config.train.scale", 0) == 0 ? m : "config.train: " + m);
    }
  }
  s.eval.n_kl = cfg::count(ev, "m", "eval", 2, cfg::kMaxPoints);
  s.eval.grid = static_cast<int>(cfg::count(ev, "grid", "eval", 2, cfg::kMaxGrid));
  s.eval.n_eps = cfg::count(ev, "n_eps", "eval", 2, cfg::kMaxPoints);
  s.eval.n_score = cfg::count(ev, "n_score", "eval", 2, cfg::kMaxPoints);
  s.eval.cs_bound = false;
  s.eval.validate();
  s.eval_seed = static_cast<std::uint64_t>(cfg::integer(ev, "seed", "eval"));
  s.kde.cv_points = cfg::count(kde, "cv_points", "kde", 2, cfg::kMaxPoints);
  s.kde.h_lo = cfg::number(kde, "h_lo", "kde");
  s.kde.h_hi = cfg::number(kde, "h_hi", "kde");
  if (!(s.kde.h_lo > 0 && s.kde.h_hi > s.kde.h_lo)) usage_error("kde: expected 0 < h_lo < h_hi");
  if (!c["targets"].is_array() || c["targets"].empty()) usage_error("config.targets: expected a non-empty list");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < c["targets"].size(); ++i) {
    s.targets.push_back(parse_target(c["targets"][i], "config.targets[" + std::to_string(i) + "]"));
    names.push_back(s.targets.back().name);
    // Refused here, not when the target's first estimate comes after its training.
    if (s.eval.grid < bounds::min_kl_grid(s.targets.back().truth))
      usage_error("config.eval.grid: target '" + names.back() + "' has I(p_1) = infinity, so S and I_p stop one step "
                  "before t = 1; expected at least " + std::to_string(bounds::min_kl_grid(s.targets.back().truth)) +
                  " times, got " + std::to_string(s.eval.grid));
  }
  s.selected = select_by_name(c["only"], "config.only", names, "config.targets");
  s.bootstrap.resamples = static_cast<int>(cfg::count(bs, "resamples", "bootstrap", 10, 10'000'000));
  s.bootstrap.level = cfg::number(bs, "level", "bootstrap");
  if (!(s.bootstrap.level > 0 && s.bootstrap.level < 1)) usage_error("bootstrap.level: expected a level in (0, 1)");
  return s;
}

namespace {

// The oracle-rate KDE bandwidth c·n^{−1/(2β+d)}: its constant anchored once per target at the
// smallest n (mean over repetitions of h_cv · n^{1/(2β+d)}), so no n is tuned on its own.
double oracle_bandwidth_constant(const TvTarget& tg, std::uint64_t seed, long long n0, long long reps,
                                 const TvStudySpec::Kde& kde) {
  const double kde_exp = 1.0 / (2 * tg.kde_beta + static_cast<double>(tg.dim));
  double c = 0;
  for (long long r = 0; r < reps; ++r)
    c += cv_bandwidth(training_set(tg, seed, n0, r), kde).h * std::pow(static_cast<double>(n0), kde_exp) /
         static_cast<double>(reps);
  return c;
}

// One fit's row: the FM model's KL and TV chain at the evaluation points, and on a finite set the
// KDE baselines on the same samples (cross-validated and oracle-rate bandwidths).
void fit_row(io::Table& table, const TvTarget& tg, long long n, long long r, const bounds::KlEstimate& e,
             const train::TrainResult& res, double train_s, const Mat& x, const TvStudySpec::Kde& kde, double oracle_c) {
  const auto tv = metrics::mc_tv(e.log_p1, e.log_q1);
  table.add_row();
  table.set("target", tg.name);
  table.set("dim", static_cast<long long>(tg.dim));
  table.set("beta", tg.beta);
  table.set("n", n);
  table.set("data", n > 0 ? "finite" : "fresh");
  table.set("rep", r);
  // eps, kl, kl_se, A1, A2, kl_bound, tv_bound and the constants: the keys of `fm-bound kl --json`.
  for (const auto& [name, value] : bounds::named_values(e)) table.set(name, value);
  table.set("tv", tv.value);
  table.set("tv_se", tv.se);
  // The chain TV ≤ √(KL/2) ≤ √((A1ε + A2ε²)/2), each link allowed 3 standard errors.
  table.set("pinsker_tv", std::sqrt(std::max(e.kl, 0.0) / 2));
  table.set("pinsker_holds",
            static_cast<long long>(tv.value - 3 * tv.se <= std::sqrt(std::max(e.kl + 3 * e.kl_se, 0.0) / 2)));
  table.set("bound_holds", static_cast<long long>(std::sqrt(std::max(e.kl - 3 * e.kl_se, 0.0) / 2) <= e.bound.tv_bound));
  table.set("train_steps", static_cast<long long>(res.steps));
  table.set("best_val_loss", res.best_val_loss);
  table.set("stop", res.status == Status::Complete ? std::string("steps") : std::string("patience"));
  table.set("train_s", train_s);
  if (n > 0) {
    const metrics::BandwidthFit cv = cv_bandwidth(x, kde);
    kde_columns(table, "kde", e.log_p1, metrics::GaussianKde(x, cv.h).log_density(e.x1), cv.h);
    table.set("kde_cv_interior", static_cast<long long>(cv.interior));
    const double kde_exp = 1.0 / (2 * tg.kde_beta + static_cast<double>(tg.dim));
    const double h_or = oracle_c * std::pow(static_cast<double>(n), -kde_exp);
    kde_columns(table, "kde_oracle", e.log_p1, metrics::GaussianKde(x, h_or).log_density(e.x1), h_or);
  } else {
    for (const char* p : {"kde", "kde_oracle"})
      for (const char* k : {"_h", "_kl", "_kl_se", "_tv", "_tv_se"}) table.set(std::string(p) + k, std::nan(""));
    table.set("kde_cv_interior", 0LL);
  }
}

}  // namespace

StudyTables run_tv_study(const TvStudySpec& c, io::H5File* /*output: tables only*/, StudyProgress& progress,
                         UnitCheckpoint& checkpoint) {
  const std::vector<long long>& ns = c.n;
  // A fixed rule has one floor per target; a scaled one has a floor per n, trained by the rule at n.
  const std::size_t floor_rules = c.scale.any() ? ns.size() : 1;
  // One unit per (target, n, repetition); the units run side by side (for_each_unit), each
  // writing its own row, joined in the order of the loops over target, n and repetition.
  struct Unit {
    std::size_t target;
    long long n, rep;  // n = 0: a floor run
    std::size_t rule;  // index into c.recipes
  };
  std::vector<Unit> units;
  std::vector<double> oracle_c(c.targets.size(), 0);
  for (std::size_t ti = 0; ti < c.targets.size(); ++ti) {
    if (!c.selected[ti]) continue;  // its seeds derive from ti whatever else runs
    oracle_c[ti] = oracle_bandwidth_constant(c.targets[ti], c.seed, ns.front(), c.reps, c.kde);
    for (std::size_t i = 0; i < ns.size(); ++i)
      for (long long r = 0; r < c.reps; ++r) units.push_back({ti, ns[i], r, i});
    // n = 0 is a floor run: fresh samples of p at every step (no finite training set), so its
    // error is the training rule's optimisation/capacity floor, not a statistical one.
    for (std::size_t i = 0; i < floor_rules; ++i)
      for (long long r = 0; r < c.floor_reps; ++r) units.push_back({ti, 0, r, i});
  }
  // 0: the one rule of every n.
  const auto rule_n_of = [&](const Unit& u) { return u.n > 0 || c.scale.any() ? ns[u.rule] : 0LL; };
  // A unit's name: its checkpoint key, and what the bar shows.
  const auto name_of = [&](const Unit& u) {
    const long long rule_n = rule_n_of(u);
    return c.targets[u.target].name + (u.n > 0 ? " n=" + std::to_string(u.n) : std::string(" floor")) +
           (u.n == 0 && rule_n > 0 ? " (rule at n=" + std::to_string(rule_n) + ")" : std::string()) + " rep " +
           std::to_string(u.rep);
  };
  // The bar counts the units left to run; a resumed study's kept ones are not. It weighs each by its
  // training's work (steps × batch × weights): with the paper's scaled rule a unit at 32 768 trains
  // 128× the work of one at 256, and an eta counted in units promised the end hours early.
  std::vector<double> work(units.size(), 0.0);
  long to_run = 0;
  double total_work = 0;
  for (std::size_t k = 0; k < units.size(); ++k) {
    if (checkpoint.finished(name_of(units[k]))) continue;
    const train::TrainSpec& rule = c.recipes[units[k].rule];
    nn::MlpSpec net = rule.model;
    net.dim = c.targets[units[k].target].dim;
    work[k] = static_cast<double>(rule.train.steps) * static_cast<double>(rule.train.batch) *
              static_cast<double>(nn::Mlp(net).num_params());
    total_work += work[k];
    ++to_run;
  }
  progress.start("TV study", to_run, total_work);
  std::vector<io::Table> rows(units.size());
  std::vector<double> tv_of(units.size());
  for_each_unit(units.size(), [&](std::size_t k) {
    const auto [ti, n, r, rule] = units[k];
    const TvTarget& tg = c.targets[ti];
    const long long rule_n = rule_n_of(units[k]);
    const std::string what = name_of(units[k]);
    // A unit an interrupted run finished: its row as it was (the fit at `what` depends on nothing
    // but the config, which the checkpoint shares).
    if (std::optional<io::Table> kept = checkpoint.finished(what)) {
      rows[k] = std::move(*kept);
      tv_of[k] = std::get<double>(rows[k].get(0, "tv"));
      return;
    }
    progress.running(what);
    Timer timer;
    const Mat x = n > 0 ? training_set(tg, c.seed, n, r) : Mat();
    train::TrainResult res;
    // A scaled rule's floors at different n draw different fresh samples; a fixed rule's seeds are
    // those it always had.
    const std::uint64_t floor_salt = n == 0 && c.scale.any() ? 7919 * (rule + 1) : 0;
    const std::uint64_t train_seed = c.seed * 1000003 + ti * 1009 + static_cast<std::uint64_t>(r) + floor_salt;
    const nn::Mlp net = train_velocity(c.recipes[rule], tg.spec, x, train_seed, res);
    const double train_s = timer.seconds();
    // The same evaluation points for every n and repetition of a target.
    bounds::KlEstimateOptions eo = c.eval;
    eo.seed = c.eval_seed + ti;
    const bounds::KlEstimate e = bounds::estimate_kl(field::velocity_model(net), tg.truth, eo);
    fit_row(rows[k], tg, n, r, e, res, train_s, x, c.kde, oracle_c[ti]);
    rows[k].set("rule_n", rule_n);
    tv_of[k] = metrics::mc_tv(e.log_p1, e.log_q1).value;
    rows[k].set("wall_time_s", timer.seconds());
    checkpoint.record(what, rows[k]);
    progress.done(what, work[k]);
  });
  // Each finite row's floor: the mean TV of the floor runs of its rule (NaN without floor runs).
  for (std::size_t k = 0; k < units.size(); ++k) {
    double sum = 0;
    long count = 0;
    for (std::size_t j = 0; j < units.size(); ++j)
      if (units[j].n == 0 && units[j].target == units[k].target && units[j].rule == (floor_rules > 1 ? units[k].rule : 0)) {
        sum += tv_of[j];
        ++count;
      }
    rows[k].set("floor_tv", units[k].n > 0 && count > 0 ? sum / static_cast<double>(count) : std::nan(""));
  }
  StudyTables out;
  for (const io::Table& t : rows) out.summary.append(t);
  progress.finish();
  out.extra.emplace_back("fits", fit_table(out.summary, c));
  out.extra.emplace_back("fit_stability", stability_table(out.summary, c));
  return out;
}

}  // namespace fm::study
