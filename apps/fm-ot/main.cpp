// fm-ot: OT solvers on point sets (theory/sdfm.md): exact (network simplex), log-domain Sinkhorn,
// semidiscrete (dual SGD from a continuous source). Thin shell over lib/fmkit/ot.
#include <cmath>
#include <cstdio>
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
#include "fmkit/ot/cost.hpp"
#include "fmkit/ot/assignment.hpp"
#include "fmkit/ot/network_simplex.hpp"
#include "fmkit/ot/semidiscrete.hpp"
#include "fmkit/ot/sinkhorn.hpp"

namespace {

using fm::Index;
using fm::Mat;
using fm::Vec;

struct Flags {
  std::string x, y, x_weights, y_weights, source, cost;
  double eps = NAN, eps_rel = NAN, tol = 1e-3, lr = 0, target_chi2 = 0.01, eps_warmup = 0;
  long long max_iter = 5000, steps = 0, batch = 0, seed = 0;
  bool single = false, scaling = false, kernel = false;
  std::vector<double> snapshots;
};

Vec weights(const std::string& path, Index n, const std::string& flag) {
  if (path.empty()) return Vec::Constant(n, 1.0 / static_cast<double>(n));
  const Mat w = fm::io::read_points(path);
  if (w.cols() != 1 && w.rows() != 1) fm::usage_error(flag + ": expected a vector of weights, got a matrix");
  Vec v = w.cols() == 1 ? Vec(w.col(0)) : Vec(w.row(0).transpose());
  fm::ot::check_weights(v, n, flag);
  return v;
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
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    std::printf("%-18s %s\n", it.key().c_str(), it.value().is_string() ? it.value().get<std::string>().c_str()
                                                                         : it.value().dump().c_str());
  if (j.contains("status") && j["status"] != "converged")
    std::fprintf(stderr, "fm-ot: warning: the solver did not converge (status %s)\n",
                 j["status"].get<std::string>().c_str());
}

int run(int argc, char** argv) {
  CLI::App app{"fm-ot: exact, Sinkhorn and semidiscrete optimal transport"};
  app.require_subcommand(1);
  Flags f;
  fm::CommonFlags common;
  auto add_pair = [&](CLI::App* s) {
    s->add_option("--x", f.x, "source points (.npy, .csv, file.h5:/dataset)");
    s->add_option("--y", f.y, "target points")->required();
    s->add_option("--x-weights", f.x_weights, "source weights (default uniform)");
    s->add_option("--y-weights", f.y_weights, "target weights (default uniform)");
    fm::add_common_flags(*s, common);
  };
  CLI::App* exact = app.add_subcommand("exact", "exact OT: the optimal assignment for equal uniform sets, else the network-simplex plan");
  add_pair(exact);
  exact->add_option("--cost", f.cost, "sqeuclid (default) or dot");
  CLI::App* sk = app.add_subcommand("sinkhorn", "log-domain Sinkhorn with status and L1 marginal error");
  add_pair(sk);
  sk->add_option("--cost", f.cost, "sqeuclid (default) or dot");
  sk->add_option("--eps", f.eps, "absolute epsilon > 0")->check(fm::finite_number());
  sk->add_option("--eps-rel", f.eps_rel, "epsilon relative to std(C) (default 0.01)")->check(fm::finite_number());
  sk->add_option("--tol", f.tol, "stop when the L1 marginal error < tol (default 1e-3)")->check(fm::finite_number());
  sk->add_option("--max-iter", f.max_iter, "iteration limit (default 5000)");
  sk->add_flag("--float", f.single, "single-precision kernel (about 2x faster; errors below ~1e-5 unreachable)");
  sk->add_flag("--eps-scaling", f.scaling, "solve at decreasing epsilon, warm-starting each");
  sk->add_flag("--kernel-mode", f.kernel, "ablation: exp(-C/eps) scalings, refused where they underflow");
  CLI::App* sd = app.add_subcommand("semidiscrete", "dual SGD from a continuous source to the atoms --y");
  add_pair(sd);
  sd->add_option("--source", f.source, "source distribution spec (.json or inline JSON; default N(0, I))");
  sd->add_option("--cost", f.cost, "dot (default) or sqeuclid: the cost the potential g is returned in");
  sd->add_option("--eps", f.eps, "absolute epsilon >= 0 (0: the hard-assignment problem)")->check(fm::finite_number());
  sd->add_option("--eps-rel", f.eps_rel, "epsilon relative to std of the dot cost on 1024 reference noises")->check(fm::finite_number());
  sd->add_option("--steps", f.steps, "SGD steps (default about 1e4 hits per atom: 10000 N / batch, 10000..200000)");
  sd->add_option("--batch", f.batch, "noises per step (default max(256, N/16))");
  sd->add_option("--lr", f.lr, "initial step, linear decay to 1% (default std(C_ref) * max(0.1, 1e-4 N))")->check(fm::finite_number());
  sd->add_option("--target-chi2", f.target_chi2, "stop once chi2 of the averaged potential <= this (default 0.01)")->check(fm::finite_number());
  sd->add_option("--eps-warmup", f.eps_warmup, "extra absolute epsilon at step 0, decaying over 10% of the steps")->check(fm::finite_number());
  sd->add_option("--seed", f.seed, "seed of the noise draws (default 0)");
  sd->add_option("--snapshots", f.snapshots, "chi2 levels, e.g. 0.5,0.1,0.05: keep the averaged potential the first "
                                            "time its chi2 falls below each (written under /result/snapshots)")
      ->delimiter(',');
  if (!fm::parse_cli(app, argc, argv)) return 0;
  fm::set_threads(common.threads);
  fm::check_output_path(common.out, {f.x, f.y, f.x_weights, f.y_weights, f.source, common.config_file});
  fm::Timer timer;
  // Inputs first, then the output file: nothing is created for bad input.
  fm::io::Summary s;
  std::function<void(fm::io::H5File&)> write;
  if (sd->parsed()) {
    if (!f.x.empty() || !f.x_weights.empty()) fm::usage_error("--x: semidiscrete takes a continuous --source instead");
    const Mat y = points(f.y, "--y");
    const Vec b = weights(f.y_weights, y.rows(), "--y-weights");
    fm::cfg::json spec = {{"type", "gaussian"}, {"mean", std::vector<double>(static_cast<std::size_t>(y.cols()), 0.0)}};
    if (!f.source.empty())
      spec = f.source.front() == '{' ? fm::cfg::parse(f.source, "--source") : fm::cfg::load_file(f.source, "--source");
    const auto source = fm::dist::make_distribution(spec, "--source");
    const fm::ot::CostKind kind = fm::ot::parse_cost(f.cost.empty() ? "dot" : f.cost);
    if (std::isnan(f.eps) == std::isnan(f.eps_rel)) fm::usage_error("--eps or --eps-rel: give exactly one");
    const double ref = fm::ot::reference_cost_std(*source, y, b);
    fm::ot::SemidiscreteOptions o;
    // ε is defined on the dot cost; a ‖x − y‖² ε is twice the dot ε.
    const double scale = kind == fm::ot::CostKind::SqEuclid ? 0.5 : 1.0;
    o.eps = std::isnan(f.eps) ? f.eps_rel * ref : f.eps * scale;
    if (!(o.eps >= 0)) fm::usage_error("--eps/--eps-rel: expected a number >= 0");
    o.steps = f.steps;
    o.batch = f.batch;
    o.lr = f.lr;
    o.target_chi2 = f.target_chi2;
    o.eps_warmup = f.eps_warmup;
    o.seed = static_cast<std::uint64_t>(f.seed);
    for (double level : f.snapshots)
      if (!(level > 0 && std::isfinite(level)))
        fm::usage_error("--snapshots: expected positive chi2 levels, got " + std::to_string(level));
    o.snapshot_chi2 = f.snapshots;
    o.validate();  // before the reference solve and the SGD: names the option that is out of range
    const auto r = fm::ot::semidiscrete(*source, y, b, o);
    const Vec g = kind == fm::ot::CostKind::SqEuclid ? fm::ot::potential_for_sqeuclid(r.g, y) : r.g;
    s.set("status", fm::to_string(r.status));
    s.set("chi2", r.chi2.value);
    s.set("chi2_se", r.chi2.se);
    s.set("cost", std::string(fm::ot::to_string(kind)));
    s.set("eps", o.eps / scale);
    s.set("eps_rel", o.eps / ref);
    s.set("cost_std_ref", ref);
    s.set("iterations", static_cast<long long>(r.iterations));
    s.set("batch", static_cast<long long>(r.batch));
    s.set("lr", r.lr);
    s.set("marginal_error", std::sqrt(std::max(0.0, r.chi2.value)));  // ‖m − b‖_{1} ≤ √χ² (Cauchy–Schwarz)
    s.set("snapshots", static_cast<long long>(r.snapshot_g.size()));
    write = [g, r, kind, y](fm::io::H5File& file) {
      file.write("/result/g", g);
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
    // The assignment solver builds its own (squared-distance) matrix; the others need C.
    const bool assignment = exact->parsed() && f.x_weights.empty() && f.y_weights.empty() && x.rows() == y.rows();
    const Mat C = assignment ? Mat() : fm::ot::cost_matrix(x, y, kind);
    if (exact->parsed()) {
      if (assignment) {
        const auto r = fm::ot::optimal_pairing(x, y, kind);
        s.set("status", fm::to_string(r.status));
        s.set("cost", r.cost);
        s.set("marginal_error", 0.0);
        s.set("iterations", 0LL);
        s.set("solve_time_s", r.seconds);
        std::vector<long long> perm(r.assignment.begin(), r.assignment.end());
        write = [perm](fm::io::H5File& file) { file.write("/result/assignment", perm); };
      } else {
        const auto r = fm::ot::exact_ot(C, a, b);
        s.set("status", fm::to_string(r.status));
        s.set("cost", r.cost);
        s.set("marginal_error", r.status == fm::Status::Converged
                                    ? (r.plan.rowwise().sum() - a).cwiseAbs().sum() +
                                          (r.plan.colwise().sum().transpose() - b).cwiseAbs().sum()
                                    : NAN);
        s.set("iterations", 0LL);
        s.set("solve_time_s", r.seconds);
        const Mat plan = r.plan;
        write = [plan](fm::io::H5File& file) {
          if (plan.size()) file.write("/result/plan", plan);
        };
      }
    } else {
      if (std::isnan(f.eps) && std::isnan(f.eps_rel)) f.eps_rel = 0.01;
      if (!std::isnan(f.eps) && !std::isnan(f.eps_rel)) fm::usage_error("--eps or --eps-rel: give at most one");
      const double sd = fm::ot::cost_std(C);
      fm::ot::SinkhornOptions o;
      o.eps = std::isnan(f.eps) ? f.eps_rel * sd : f.eps;
      if (!(o.eps > 0)) fm::usage_error("--eps/--eps-rel: Sinkhorn needs epsilon > 0");
      o.tol = f.tol;
      o.max_iter = f.max_iter;
      o.single_precision = f.single;
      o.eps_scaling = f.scaling;
      o.kernel_mode = f.kernel;
      const auto r = fm::ot::sinkhorn(C, a, b, o);
      s.set("status", fm::to_string(r.status));
      s.set("cost", r.cost);
      s.set("marginal_error", r.marginal_error);
      s.set("iterations", static_cast<long long>(r.iterations));
      s.set("eps", o.eps);
      s.set("eps_rel", o.eps / sd);
      s.set("entropy", r.entropy);
      s.set("solve_time_s", r.seconds);
      s.set("ns_per_entry_iteration",
            r.iterations ? 1e9 * r.seconds / (static_cast<double>(C.size()) * static_cast<double>(r.iterations)) : NAN);
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
    fm::io::write_metadata(file, {fm::command_line(argc, argv), static_cast<std::uint64_t>(f.seed)}, fm::cfg::json::object());
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
