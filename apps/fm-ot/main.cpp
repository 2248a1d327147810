// fm-ot: OT solvers on point sets (theory/sdfm.md): exact (network simplex), log-domain Sinkhorn,
// semidiscrete (dual SGD from a continuous source). Thin shell over lib/fmkit/ot.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "fmkit/core/app.hpp"
#include "fmkit/core/output_path.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/metadata.hpp"
#include "fmkit/io/points.hpp"
#include "fmkit/io/summary.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/ot/cost.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/mips_quality.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/network_simplex.hpp"
#include "fmkit/ot/semidiscrete.hpp"
#include "fmkit/ot/semidiscrete_labels.hpp"
#include "fmkit/ot/sinkhorn.hpp"

namespace {

using fm::Index;
using fm::Mat;
using fm::Vec;

struct Flags {
  std::string x, y, x_weights, y_weights, source, cost, labels, conditions, stop_norm = "l1", omega = "1";
  double eps = NAN, eps_rel = NAN, tol = 1e-3, lr = 0, target_chi2 = 0.01, eps_warmup = 0, beta = NAN;
  long long max_iter = 5000, steps = 0, batch = 0, seed = 0, eval_every = 0, eval_batch = 0;
  bool single = false, scaling = false, kernel = false;
  std::vector<double> snapshots;
  std::string mips = "exact", average = "tail";
  int hnsw_m = 32, hnsw_ef = 64, ivf_nlist = 0, ivf_nprobe = 8;
  long long probes = 16384;
};

Vec weights(const std::string& path, Index n, const std::string& flag) {
  if (path.empty()) return Vec::Constant(n, 1.0 / static_cast<double>(n));
  const Mat w = fm::io::read_points(path);
  if (w.cols() != 1 && w.rows() != 1) fm::usage_error(flag + ": expected a vector of weights, got a matrix");
  Vec v = w.cols() == 1 ? Vec(w.col(0)) : Vec(w.row(0).transpose());
  fm::ot::check_weights(v, n, flag);
  return v;
}

// One integer class label >= 0 per atom, from a file (a vector).
std::vector<Index> class_labels(const std::string& path, Index n, const std::string& flag) {
  const Mat l = fm::io::read_points(path);
  if (l.cols() != 1 && l.rows() != 1) fm::usage_error(flag + ": expected a vector of labels, got a matrix");
  if (l.size() != n) fm::usage_error(flag + ": " + std::to_string(l.size()) + " labels for " + std::to_string(n) + " atoms");
  std::vector<Index> out(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const double v = l.data()[i];
    if (!(v >= 0 && v < 1e6 && v == std::floor(v)))
      fm::usage_error(flag + ": entry " + std::to_string(i) + " is " + std::to_string(v) + ", not a class label (an integer in [0, 1e6))");
    out[static_cast<std::size_t>(i)] = static_cast<Index>(v);
  }
  return out;
}

Mat points(const std::string& path, const std::string& flag) {
  if (path.empty()) fm::usage_error(flag + ": required");
  Mat p = fm::io::read_points(path);
  if (p.rows() < 1) fm::usage_error(flag + ": no points");
  if (!p.allFinite()) fm::usage_error(flag + ": non-finite coordinates");
  return p;
}

void print(const fm::io::Summary& s, bool json) {
  const auto j = s.to_json();
  if (json) {
    std::cout << j.dump() << "\n";
  } else {
    for (auto it = j.begin(); it != j.end(); ++it)
      std::printf("%-22s %s\n", it.key().c_str(), it.value().is_string() ? it.value().get<std::string>().c_str()
                                                                           : it.value().dump().c_str());
  }
  // On stderr in --json mode too: a script reading stdout must still be told.
  if (j.contains("status") && j["status"] != "converged")
    std::fprintf(stderr, "fm-ot: warning: the solver did not converge (status %s)\n",
                 j["status"].get<std::string>().c_str());
}

int run(int argc, char** argv) {
  CLI::App app{"fm-ot: exact, Sinkhorn and semidiscrete optimal transport"};
  app.require_subcommand(1);
  Flags f;
  fm::CommonFlags common;
  auto add_y = [&](CLI::App* s) {
    s->add_option("--y", f.y, "target points (.npy, .csv, file.h5:/dataset)")->required();
    s->add_option("--y-weights", f.y_weights, "target weights (default uniform)");
    fm::add_run_flags(*s, common);
  };
  auto add_x = [&](CLI::App* s) {
    s->add_option("--x", f.x, "source points (.npy, .csv, file.h5:/dataset)")->required();
    s->add_option("--x-weights", f.x_weights, "source weights (default uniform)");
    add_y(s);
  };
  CLI::App* exact = app.add_subcommand("exact", "exact OT: the optimal assignment for equal uniform sets, else the network-simplex plan");
  add_x(exact);
  exact->add_option("--cost", f.cost, "sqeuclid (default) or dot");
  CLI::App* sk = app.add_subcommand("sinkhorn", "log-domain Sinkhorn with status and L1 marginal error");
  add_x(sk);
  sk->add_option("--cost", f.cost, "sqeuclid (default) or dot");
  auto* sk_eps = sk->add_option("--eps", f.eps, "absolute epsilon > 0")->check(fm::finite_number());
  sk->add_option("--eps-rel", f.eps_rel, "epsilon relative to std(C) (default 0.01)")
      ->check(fm::finite_number())->excludes(sk_eps);
  sk->add_option("--tol", f.tol, "stop when the marginal error, in --stop-norm, is < tol (default 1e-3)")
      ->check(fm::finite_number());
  sk->add_option("--stop-norm", f.stop_norm,
                 "l1 (default): sum_j |col_j - b_j|, at most twice the TV error of the marginals; "
                 "l2: ||col - b||_2, POT's stopThr criterion")
      ->check(CLI::IsMember({"l1", "l2"}));
  sk->add_option("--omega", f.omega,
                 "over-relaxation: 1 (default) plain Sinkhorn, a number in (1, 2), or auto "
                 "(chosen from the measured contraction rate; often 3-10x fewer iterations at small eps)")
      ->check(CLI::Validator(
          [](std::string& v) {
            char* end = nullptr;
            const double w = std::strtod(v.c_str(), &end);
            const bool number = !v.empty() && *end == '\0';
            return v == "auto" || (number && w >= 1 && w < 2) ? std::string()
                                                              : "expected auto or a number in [1, 2), got " + v;
          },
          "auto|[1,2)"));
  sk->add_option("--max-iter", f.max_iter, "iteration limit (default 5000)");
  sk->add_flag("--float", f.single, "single-precision kernel (about 2x faster; errors below ~1e-5 unreachable)");
  sk->add_flag("--eps-scaling", f.scaling, "solve at decreasing epsilon, warm-starting each");
  sk->add_flag("--kernel-mode", f.kernel, "ablation: exp(-C/eps) scalings, refused where they underflow");
  CLI::App* sd = app.add_subcommand("semidiscrete", "dual SGD from a continuous source to the atoms --y");
  add_y(sd);
  sd->add_option("--source", f.source, "source distribution spec (.json or inline JSON; default N(0, I))");
  sd->add_option("--cost", f.cost, "dot (default) or sqeuclid: the cost the potential g is returned in");
  // Exactly one of the two: CLI11 shows them as a required group in the usage line.
  auto* eps_group = sd->add_option_group("epsilon", "give exactly one");
  eps_group->add_option("--eps", f.eps, "absolute epsilon >= 0 (0: the hard-assignment problem)")->check(fm::finite_number());
  eps_group->add_option("--eps-rel", f.eps_rel, "epsilon relative to std of the dot cost on 1024 reference noises")
      ->check(fm::finite_number());
  eps_group->require_option(1);
  sd->add_option("--steps", f.steps, "SGD steps (0: about 1e4 hits per atom, 10000 N / batch clamped to 10000..200000)")
      ->check(CLI::Range(0LL, fm::cfg::kMaxSteps));
  sd->add_option("--batch", f.batch, "noises per step (0: max(256, N/16))")->check(CLI::Range(0LL, fm::cfg::kMaxPoints));
  sd->add_option("--lr", f.lr, "initial step, linear decay to 1% (0: std(C_ref) * max(0.1, 1e-4 N))")->check(fm::finite_number());
  sd->add_option("--target-chi2", f.target_chi2, "stop once chi2 of the averaged potential <= this (default 0.01)")->check(fm::finite_number());
  sd->add_option("--eval-every", f.eval_every, "steps between chi2 checks of the averaged potential (0: steps / 20)")
      ->check(CLI::Range(0LL, fm::cfg::kMaxSteps));
  sd->add_option("--eval-batch", f.eval_batch, "noises in each of the 16 batches of a chi2 check (0: max(256, 35 sqrt(N)); "
                                              "the check's standard error is about sqrt(2N) / (4 eval-batch))")
      ->check(CLI::Range(0LL, fm::cfg::kMaxPoints));
  sd->add_option("--average", f.average, "which iterates the potential averages: tail (default: those after half the "
                                        "steps) or suffix (the last half to three quarters of the iterates so far, so "
                                        "a check can stop the fit early)")
      ->check(CLI::IsMember({"tail", "suffix"}));
  sd->add_option("--eps-warmup", f.eps_warmup, "extra absolute epsilon at step 0, decaying over 10% of the steps")->check(fm::finite_number());
  sd->add_option("--seed", f.seed, "seed of the noise draws (default 0)");
  sd->add_option("--labels", f.labels, "one class label per atom (a vector file): conditional SD, the source draws a "
                                      "class with the atoms' class masses; without --beta one problem per class");
  sd->add_option("--conditions", f.conditions, "one continuous condition row per atom (a point file): the source "
                                              "draws an atom's condition, one problem for <x, y> + beta <z0, z>; needs --beta");
  sd->add_option("--beta", f.beta, "with --labels: one problem for the augmented cost <x, y> + beta [same class], "
                                  "beta in (0, 1e6]")->check(fm::finite_number());
  sd->add_option("--snapshots", f.snapshots, "chi2 levels, e.g. 0.5,0.1,0.05: keep the averaged potential the first "
                                            "time its chi2 falls below each (written under /result/snapshots)")
      ->delimiter(',');
  sd->add_option("--mips", f.mips, "eps = 0: also build this search index on the fitted potential and report its "
                                  "recall and the chi2 of its assignment against the exact search: exact (default), "
                                  "flat, hnsw or ivf")
      ->check(CLI::IsMember({"exact", "flat", "hnsw", "ivf"}));
  sd->add_option("--hnsw-m", f.hnsw_m, "HNSW graph degree (default 32)")->check(CLI::Range(2, 512));
  sd->add_option("--hnsw-ef", f.hnsw_ef, "HNSW search breadth efSearch (default 64)")->check(CLI::Range(1, 100000));
  sd->add_option("--ivf-nlist", f.ivf_nlist, "IVF lists (default 0: round(4 sqrt(N)))")->check(CLI::Range(0, 10000000));
  sd->add_option("--ivf-nprobe", f.ivf_nprobe, "IVF lists searched per query (default 8)")->check(CLI::Range(1, 10000000));
  sd->add_option("--probes", f.probes, "source draws the index is measured on, in 4 batches (default 16384)")
      ->check(CLI::Range(8LL, 100000000LL));
  if (!fm::parse_cli(app, argc, argv)) return 0;
  fm::set_threads(common.threads);
  fm::check_output_path(common.out, {f.x, f.y, f.x_weights, f.y_weights, f.source, f.labels, f.conditions}, "--out",
                        common.force);
  fm::Timer timer;
  // Inputs first, then the output file: nothing is created for bad input. `options` records what
  // ran, defaults resolved, as the output file's /config.
  fm::io::Summary s;
  fm::cfg::json options;
  std::function<void(fm::io::H5File&)> write;
  if (sd->parsed()) {
    const Mat y = points(f.y, "--y");
    const Vec b = weights(f.y_weights, y.rows(), "--y-weights");
    fm::cfg::json spec = {{"type", "gaussian"}, {"mean", std::vector<double>(static_cast<std::size_t>(y.cols()), 0.0)}};
    if (!f.source.empty())
      spec = f.source.front() == '{' ? fm::cfg::parse(f.source, "--source") : fm::cfg::load_file(f.source, "--source");
    const auto source = fm::dist::make_distribution(spec, "--source");
    const fm::ot::CostKind kind = fm::ot::parse_cost(f.cost.empty() ? "dot" : f.cost);
    fm::ot::SemidiscreteOptions o;
    // ε is defined on the dot cost; a ‖x − y‖² ε is twice the dot ε.
    const double scale = kind == fm::ot::CostKind::SqEuclid ? 0.5 : 1.0;
    if (!std::isnan(f.eps) && !(f.eps >= 0)) fm::usage_error("--eps: expected a number >= 0");
    if (!std::isnan(f.eps_rel) && !(f.eps_rel >= 0)) fm::usage_error("--eps-rel: expected a number >= 0");
    o.steps = f.steps;
    o.batch = f.batch;
    o.lr = f.lr;
    o.target_chi2 = f.target_chi2;
    o.eps_warmup = f.eps_warmup;
    o.eval_every = f.eval_every;
    o.eval_batch = f.eval_batch;
    o.average = fm::ot::parse_averaging(f.average, "--average");
    o.seed = static_cast<std::uint64_t>(f.seed);
    o.snapshot_chi2 = f.snapshots;
    o.eps = 0;
    o.validate();  // before the reference solve and the SGD: names the option that is out of range
    if (!f.labels.empty() && !f.conditions.empty()) fm::usage_error("--conditions: give class --labels or --conditions, not both");
    if (!std::isnan(f.beta) && f.labels.empty() && f.conditions.empty())
      fm::usage_error("--beta: needs --labels or --conditions (what it weighs)");
    if (!f.conditions.empty() && std::isnan(f.beta)) fm::usage_error("--conditions: needs --beta > 0");
    if (!f.conditions.empty() && !f.snapshots.empty()) fm::usage_error("--snapshots: not available with --conditions");
    if (!std::isnan(f.beta) && !(f.beta > 0 && f.beta <= 1e6)) fm::usage_error("--beta: expected a number in (0, 1e6]");
    if (!f.labels.empty() && !f.snapshots.empty()) fm::usage_error("--snapshots: not available with --labels");
    fm::ot::MipsOptions mips;
    mips.method = f.mips;
    mips.hnsw_m = f.hnsw_m;
    mips.hnsw_ef = f.hnsw_ef;
    mips.ivf_nlist = f.ivf_nlist;
    mips.ivf_nprobe = f.ivf_nprobe;
    mips.validate();
    // Another index's parameters, or probes without an index to measure, would be ignored: refused.
    for (const char* flag : {"--hnsw-m", "--hnsw-ef", "--ivf-nlist", "--ivf-nprobe", "--probes"}) {
      const std::string name = flag;
      const bool applies = name == "--probes" ? mips.method != "exact" : name.rfind("--" + mips.method + "-", 0) == 0;
      if (sd->count(name) > 0 && !applies)
        fm::usage_error(name + ": does not apply to --mips " + mips.method);
    }
    mips.check_atoms((b.array() > 0).count());  // before the fit, which takes the time
    if (mips.method != "exact" && (!f.labels.empty() || !f.conditions.empty()))
      fm::usage_error("--mips: measured on the unlabelled problem only (leave out --labels and --conditions)");
    const std::vector<Index> labels = f.labels.empty() ? std::vector<Index>{} : class_labels(f.labels, y.rows(), "--labels");
    const double ref = fm::ot::reference_cost_std(*source, y, b);
    o.eps = std::isnan(f.eps) ? f.eps_rel * ref : f.eps * scale;
    if (mips.method != "exact" && o.eps != 0) fm::usage_error("--mips: a search index pairs at eps = 0 only");
    fm::ot::SemidiscreteResult r;
    std::vector<double> class_chi2;
    if (!f.conditions.empty()) {
      const Mat z = points(f.conditions, "--conditions");
      if (z.rows() != y.rows())
        fm::usage_error("--conditions: " + std::to_string(z.rows()) + " rows for " + std::to_string(y.rows()) + " atoms");
      Mat keys;
      r = fm::ot::semidiscrete_conditioned(source, y, b, z, f.beta, o, keys);
      s.set("beta", f.beta);
      s.set("condition_dim", static_cast<long long>(z.cols()));
    } else if (labels.empty()) {
      o = o.resolved(*source, y, b);
      r = fm::ot::semidiscrete(*source, y, b, o);
    } else {
      // Steps, batch and step size stay automatic per class (each class has its own N).
      const Index classes = *std::max_element(labels.begin(), labels.end()) + 1;
      const double beta = std::isnan(f.beta) ? 0.0 : f.beta;
      const auto lr = fm::ot::semidiscrete_labelled(source, y, b, labels, classes, beta, o);
      r = lr.joint;
      for (const auto& fit : lr.fits) class_chi2.push_back(fit.chi2.value);
      s.set("classes", static_cast<long long>(classes));
      s.set("beta", beta > 0 ? std::to_string(beta) : std::string("inf (per class)"));
    }
    if (mips.method != "exact") {
      const auto index = fm::ot::make_mips(y, r.g, b, mips);
      const auto exact = fm::ot::make_mips(y, r.g, b, fm::ot::MipsOptions{});
      fm::Rng rng(static_cast<std::uint64_t>(f.seed), "fm-ot/mips-probe");
      std::vector<Mat> batches;
      for (int k = 0; k < 4; ++k) batches.push_back(source->sample(f.probes / 4, rng));
      const auto q = fm::ot::mips_quality(mips.method, *index, *exact, batches, b);
      q.summarize(s);
    }
    const Vec g = kind == fm::ot::CostKind::SqEuclid ? fm::ot::potential_for_sqeuclid(r.g, y) : r.g;
    s.set("cost_kind", std::string(fm::ot::to_string(kind)));
    s.set("eps", o.eps / scale);
    s.set("eps_rel", o.eps / ref);
    s.set("cost_std_ref", ref);
    r.summarize(s);
    options = {{"solver", "semidiscrete"}, {"y", f.y}, {"y_weights", f.y_weights}, {"source", spec},
               {"cost", fm::ot::to_string(kind)}, {"eps", o.eps / scale}, {"steps", o.steps}, {"batch", o.batch},
               {"lr", o.lr}, {"target_chi2", o.target_chi2}, {"eps_warmup", o.eps_warmup}, {"seed", f.seed},
               {"eval_every", o.eval_every}, {"eval_batch", o.eval_batch}, {"average", fm::ot::to_string(o.average)},
               {"snapshots", f.snapshots}, {"labels", f.labels}, {"conditions", f.conditions},
               {"beta", std::isnan(f.beta) ? fm::cfg::json() : fm::cfg::json(f.beta)}, {"mips", fm::ot::to_json(mips)}};
    write = [g, r, kind, y, labels, class_chi2](fm::io::H5File& file) {
      file.write("/result/g", g);
      if (!labels.empty()) {
        file.write("/result/labels", std::vector<long long>(labels.begin(), labels.end()));
        file.write("/result/cell_chi2", class_chi2);  // per class (beta = inf) or the one augmented problem
      }
      file.write("/result/chi2_step", std::vector<long long>(r.history_step.begin(), r.history_step.end()));
      file.write("/result/chi2", r.history_chi2);
      if (r.snapshot_g.empty()) return;
      // One row per level reached, in the order reached, each potential in the chosen cost.
      Mat gs(static_cast<Index>(r.snapshot_g.size()), y.rows());
      for (std::size_t k = 0; k < r.snapshot_g.size(); ++k)
        gs.row(static_cast<Index>(k)) =
            (kind == fm::ot::CostKind::SqEuclid ? fm::ot::potential_for_sqeuclid(r.snapshot_g[k], y) : r.snapshot_g[k])
                .transpose();
      file.write("/result/snapshots/g", gs);
      file.write("/result/snapshots/level", r.snapshot_level);
      file.write("/result/snapshots/step", std::vector<long long>(r.snapshot_step.begin(), r.snapshot_step.end()));
    };
  } else {
    const Mat x = points(f.x, "--x"), y = points(f.y, "--y");
    if (x.cols() != y.cols())
      fm::usage_error("--x has dimension " + std::to_string(x.cols()) + " but --y has " + std::to_string(y.cols()));
    const Vec a = weights(f.x_weights, x.rows(), "--x-weights"), b = weights(f.y_weights, y.rows(), "--y-weights");
    const fm::ot::CostKind kind = fm::ot::parse_cost(f.cost.empty() ? "sqeuclid" : f.cost);
    s.set("cost_kind", fm::ot::to_string(kind));
    options = {{"x", f.x}, {"y", f.y}, {"x_weights", f.x_weights}, {"y_weights", f.y_weights},
               {"cost", fm::ot::to_string(kind)}};
    // The assignment solver builds its own (squared-distance) matrix; the others need C.
    const bool assignment = exact->parsed() && f.x_weights.empty() && f.y_weights.empty() && x.rows() == y.rows();
    if (exact->parsed()) {
      options["solver"] = assignment ? "assignment" : "network_simplex";
      if (assignment) {
        const auto r = fm::ot::optimal_pairing(x, y, kind);
        r.summarize(s);
        std::vector<long long> perm(r.assignment.begin(), r.assignment.end());
        write = [perm](fm::io::H5File& file) { file.write("/result/assignment", perm); };
      } else {
        const auto r = fm::ot::exact_ot(fm::ot::cost_matrix(x, y, kind), a, b);
        r.summarize(s);
        const Mat plan = r.plan;
        write = [plan](fm::io::H5File& file) {
          if (plan.size()) file.write("/result/plan", plan);
        };
      }
    } else {
      fm::ot::SinkhornOptions o;
      o.eps = std::isnan(f.eps) ? 1.0 : f.eps;  // checked here with the rest; ε-rel resolved below
      o.tol = f.tol;
      o.max_iter = f.max_iter;
      o.single_precision = f.single;
      o.eps_scaling = f.scaling;
      o.kernel_mode = f.kernel;
      o.norm = f.stop_norm == "l2" ? fm::ot::MarginalNorm::L2 : fm::ot::MarginalNorm::L1;
      if (f.omega == "auto") {
        o.omega_auto = true;
      } else {
        o.omega = std::strtod(f.omega.c_str(), nullptr);  // checked by the option's validator
      }
      if (!std::isnan(f.eps) && !(f.eps > 0)) fm::usage_error("--eps: Sinkhorn needs epsilon > 0");
      if (!std::isnan(f.eps_rel) && !(f.eps_rel > 0)) fm::usage_error("--eps-rel: Sinkhorn needs epsilon > 0");
      o.validate();  // before the cost matrix is built
      const Mat C = fm::ot::cost_matrix(x, y, kind);
      const double sd = fm::ot::cost_std(C);
      if (std::isnan(f.eps)) o.eps = (std::isnan(f.eps_rel) ? 0.01 : f.eps_rel) * sd;
      if (!(o.eps > 0)) fm::usage_error("--eps/--eps-rel: Sinkhorn needs epsilon > 0 (std(C) = 0?)");
      const auto r = fm::ot::sinkhorn(C, a, b, o);
      r.summarize(s, C.rows(), C.cols());
      s.set("eps_rel", o.eps / sd);
      options.update({{"solver", "sinkhorn"}, {"eps", o.eps}, {"tol", o.tol}, {"max_iter", o.max_iter},
                      {"float", o.single_precision}, {"eps_scaling", o.eps_scaling}, {"kernel_mode", o.kernel_mode},
                      {"stop_norm", fm::ot::to_string(o.norm)}, {"omega", f.omega}});
      if (r.status == fm::Status::NumericalError) {
        print(s, common.json);
        fm::runtime_error("sinkhorn: numerical error (non-finite potentials or an underflowing kernel); no plan");
      }
      const bool small = static_cast<double>(C.rows()) * static_cast<double>(C.cols()) <= 1e8;
      write = [r, C, a, b, small](fm::io::H5File& file) {
        file.write("/result/f", r.f);
        file.write("/result/g", r.g);
        if (small) file.write("/result/plan", fm::ot::sinkhorn_plan(C, a, b, r));
      };
    }
  }
  s.set("wall_time_s", timer.seconds());
  if (!common.out.empty()) {
    auto file = fm::io::H5File::create(common.out);
    fm::io::write_metadata(file, {fm::command_line(argc, argv), static_cast<std::uint64_t>(f.seed)}, options);
    s.write(file);
    if (write) write(file);
    file.commit();
  }
  print(s, common.json);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-ot", [&] { return run(argc, argv); });
}
