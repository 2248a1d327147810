// fm-bound: bound calculators. `kl` from given constants, or with every constant estimated from a
// model against the true path of a target (theory/kl_bound.md §2). Thin shell over lib/fmkit/bounds.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "fmkit/bounds/kl_estimators.hpp"
#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/load_model.hpp"
#include "fmkit/io/summary.hpp"

namespace {

// A spec given inline ('{...}') or as a file path.
fm::cfg::json spec_arg(const std::string& s, const std::string& flag) {
  if (!s.empty() && s.front() == '{') {
    try {
      return fm::cfg::json::parse(s);
    } catch (const fm::cfg::json::parse_error& e) {
      fm::usage_error(flag + ": invalid JSON (" + e.what() + ")");
    }
  }
  if (s.size() > 3 && s.compare(s.size() - 3, 3, ".h5") == 0) return s;
  return fm::cfg::load_file(s, flag);
}

void print_table(const fm::io::Summary& s) {
  const auto j = s.to_json();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_number())
      std::printf("%-22s %.6g\n", it.key().c_str(), it.value().get<double>());
    else if (!it.value().is_null())
      std::printf("%-22s %s\n", it.key().c_str(), it.value().dump().c_str());
  }
}

int run(int argc, char** argv) {
  CLI::App app{"fm-bound: KL/TV bound calculators for flow matching"};
  app.require_subcommand(1);
  fm::CommonFlags common;
  CLI::App* kl = app.add_subcommand("kl", "KL(p1||q1) <= eps*sqrt(S) <= A1*eps + A2*eps^2 (theory/kl_bound.md)");
  fm::add_common_flags(*kl, common, false);
  double eps = NAN, L = NAN, M = NAN, Ip = NAN, I0 = NAN, L0 = NAN, T = 1, S = NAN;
  std::string model, target;
  long long seed = 12345, grid = 101, n_eps = 4096, n_score = 2048, n_kl = 20000;
  kl->add_option("--eps", eps, "flow-matching error eps (full-norm L2 over p_t x dt)");
  kl->add_option("--lipschitz", L, "L_v: Lipschitz constant of v (sup of the Jacobian's operator norm)");
  kl->add_option("--grad-div", M, "M_v: sup of |grad div v|");
  kl->add_option("--fisher-path", Ip, "I_p: integral of E_{p_t}|grad log p_t|^2 over [0, T]");
  kl->add_option("--fisher-source", I0, "I_0: E_{p_0}|grad log p_0|^2 (d for N(0, I))");
  kl->add_option("--source-score-lipschitz", L0, "L_0: Lipschitz constant of grad log p_0 (1 for N(0, I))");
  kl->add_option("--horizon", T, "horizon T (default 1)");
  kl->add_option("--S", S, "score-gap integral S, for the Cauchy-Schwarz bound eps*sqrt(S)");
  kl->add_option("--model", model, "estimate every constant for this model (spec .json, inline JSON or run .h5)");
  kl->add_option("--target", target, "the true path: a gaussian, gmm or schedule spec (file or inline JSON)");
  kl->add_option("--seed", seed, "seed of the Monte-Carlo draws (default 12345)");
  kl->add_option("--grid", grid, "times in [0, 1] for eps, S, I_p, L_v, M_v (default 101)");
  kl->add_option("--n-eps", n_eps, "samples per time for eps (default 4096)");
  kl->add_option("--n-score", n_score, "samples per time for S and the constants (default 2048)");
  kl->add_option("--n-kl", n_kl, "samples of p_1 for the KL (default 20000)");
  if (!fm::parse_cli(app, argc, argv)) return 0;
  fm::set_threads(common.threads);

  fm::io::Summary out;
  if (model.empty()) {
    for (auto [v, name] : {std::pair{eps, "--eps"}, {L, "--lipschitz"}, {M, "--grad-div"}, {Ip, "--fisher-path"},
                           {I0, "--fisher-source"}, {L0, "--source-score-lipschitz"}})
      if (std::isnan(v)) fm::usage_error(std::string(name) + ": required (or give --model and --target to estimate)");
    const fm::bounds::KlConstants c{L, M, Ip, I0, L0, T};
    const auto b = fm::bounds::kl_bound(c, eps, std::isnan(S) ? -1 : S);
    out.set("A1", b.A1);
    out.set("A2", b.A2);
    out.set("kl_bound", b.kl_bound);
    out.set("tv_bound", b.tv_bound);
    if (!std::isnan(S)) {
      out.set("cs_bound", b.cs_bound);
      out.set("cs_tv_bound", b.cs_tv);
    }
  } else {
    if (target.empty()) fm::usage_error("--target: required with --model (the true path the model approximates)");
    const fm::field::Model m = fm::field::load_model(spec_arg(model, "--model"));
    const fm::field::Model truth =
        fm::field::make_analytic_model({{"field", "exact"}, {"target", spec_arg(target, "--target")}}, "target");
    if (m.dim != truth.dim)
      fm::usage_error("--model has dimension " + std::to_string(m.dim) + " but --target has dimension " +
                      std::to_string(truth.dim));
    auto a = std::dynamic_pointer_cast<const fm::dist::Gaussian>(m.source);
    auto b = std::dynamic_pointer_cast<const fm::dist::Gaussian>(truth.source);
    if (!a || !b || a->dim() != b->dim() || (a->mean() - b->mean()).norm() > 0 || (a->cov() - b->cov()).norm() > 0)
      fm::usage_error("--model: its source differs from the target path's source N(0, I) (the bound assumes q_0 = p_0)");
    fm::bounds::KlEstimateOptions o;
    o.seed = static_cast<std::uint64_t>(seed);
    o.grid = static_cast<int>(grid);
    o.n_eps = n_eps;
    o.n_score = n_score;
    o.n_kl = n_kl;
    const auto e = fm::bounds::estimate_kl(m, truth, o);
    for (const auto& [name, value] : fm::bounds::named_values(e)) out.set(name, value);
    for (auto [name, c] : {std::pair{"L_v", e.L_v}, {"L_v_rigorous", e.L_v_rigorous}, {"M_v", e.M_v},
                           {"I_p", e.I_p}, {"I_0", e.I_0}, {"L_0", e.L_0}})
      out.set(std::string(name) + "_kind", c.kind);
    // Monte-Carlo noise and solver accuracy are not violations (bounds::kl_violates).
    out.set("cs_violated", static_cast<long long>(fm::bounds::kl_violates(e.kl, e.kl_se, e.bound.cs_bound)));
    out.set("kl_bound_violated", static_cast<long long>(fm::bounds::kl_violates(e.kl, e.kl_se, e.bound.kl_bound)));
  }
  if (common.json) std::cout << out.to_json().dump() << "\n";
  else print_table(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fm::run_main("fm-bound", [&] { return run(argc, argv); });
}
