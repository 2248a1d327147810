#include "fmkit/io/column_docs.hpp"

#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace fm::io {

namespace {

// {name, units, description}. Units: "1" dimensionless, "label" a name or category, "count",
// "index", "flag" (0 or 1), "s" seconds, "nats" (KL), "data units" (the target's coordinates, or the
// standardised units a study trains in where it says so).
const char* const kDocs[][3] = {
    // Identity of a row.
    {"run_id", "index", "run number within the file (0 for a single run)"},
    {"case", "label", "the case a row evaluates"},
    {"curve_group", "label", "the file group holding the row's identity curve and its batches' errors"},
    {"experiment", "label", "the experiment of the theory's protocol a row belongs to (E0, E2A, …)"},
    {"family", "label", "the problem family of the row (target and source)"},
    {"target", "label", "the target distribution's name"},
    {"dataset", "label", "the study dataset's name"},
    {"coupling", "label", "the training coupling's label (or type, for a single run)"},
    {"role", "label", "the part a coupling plays in the paper's claims (independent, sd, ot_small_batch, …)"},
    {"variant", "label", "the learned-drift variant (DFM study)"},
    {"schedule", "label", "the schedule pair of an E2A case"},
    {"delta_type", "label", "the perturbation family δ of the velocity"},
    {"perturbation", "label", "the drift or velocity perturbation (none, constant, linear, sine, time_local, sin_x)"},
    {"solver", "label", "the sampler: euler, heun, rk4, dopri5, em or meanflow"},
    {"status", "label", "how the run or solve ended (complete, converged, max_iterations, diverged, …)"},
    {"stop_reason", "label", "why training stopped before its step count"},
    {"stop", "label", "what stopped training (steps, patience, target loss)"},
    {"seed", "index", "the training seed of the row"},
    {"seeds", "count", "seeds averaged in the row"},
    {"identity_batches", "count", "disjoint Monte-Carlo batches the identity's error was measured on"},
    {"rep", "index", "repetition (an independent training set)"},
    {"epoch", "index", "training checkpoint number"},
    {"quantity", "label", "the fitted quantity (tv, kl, eps, kde_tv, …)"},
    {"hidden", "label", "the MLP's hidden widths, as JSON"},
    {"data", "label", "where the training points came from"},
    {"drift", "label", "the SDE drift used: exact, perturbed or learned"},
    {"grid", "label", "the time grid (G1, G2, G2u, G3) or its number of points"},
    {"kl_method", "label", "how KL_marg was computed (gaussian, separable, grid)"},
    {"kl_path_method", "label", "how KL_path was computed (gaussian or monte_carlo)"},
    {"bracket_status", "label", "whether the recalled brackets apply to the case"},
    {"bracket_fu_name", "label", "the follow-up bracket used"},
    {"cs_verdict", "label", "KL against ε√S: satisfied, within noise or violated (3 s.e. + CNF accuracy)"},
    {"bound_verdict", "label", "KL against A1ε + A2ε²: satisfied, within noise or violated"},
    {"potential_status", "label", "how the semidiscrete potential's fit ended"},
    {"logprob_status", "label", "how the CNF log-density solve ended"},
    {"sd_status", "label", "how the semidiscrete potential's fit ended"},
    {"cost", "1", "the transport cost of the plan (in the chosen cost), or its name"},
    {"cost_kind", "label", "the ground cost: sqeuclid or dot"},
    {"stop_norm", "label", "the Sinkhorn stopping norm: l1 or l2 marginal error"},
    {"mips", "label", "the semidiscrete pairing's search index (exact, flat, hnsw, ivf)"},
    {"pass", "flag", "1 if the check passed its stated tolerance"},
    {"violated", "flag", "1 if KL exceeds a bound by more than 3 standard errors plus the CNF accuracy"},
    {"cs_violated", "flag", "1 if KL exceeds ε√S by more than 3 standard errors plus the CNF accuracy"},
    {"kl_bound_violated", "flag", "1 if KL exceeds A1ε + A2ε² by more than 3 standard errors plus the CNF accuracy"},
    {"marg_exceeds_path", "flag", "1 if KL_marg exceeds KL_path beyond 3 standard errors"},
    {"path_exceeds_chain", "flag", "1 if KL_path exceeds the chain (ε² + D_h)/σ² beyond 3 standard errors"},
    {"pinsker_holds", "flag", "1 if TV ≤ √(KL/2) within 3 standard errors"},
    {"bound_holds", "flag", "1 if √(KL/2) ≤ √((A1ε + A2ε²)/2) within 3 standard errors"},
    {"within_interval", "flag", "1 if the reference slope lies in the fitted slope's bootstrap interval"},
    {"uniform_weights", "flag", "1 if the atoms have equal weights"},
    {"constant_assumed", "flag", "1 if the universal constant C was not given (1 assumed)"},
    {"kde_cv_interior", "flag", "1 if the cross-validated KDE bandwidth lies inside the searched range"},
    // Sizes and counts.
    {"n", "count", "points (samples, training points or noises) of the row"},
    {"n_train", "count", "training points"},
    {"n_values", "count", "sample sizes n in the fit"},
    {"n_min", "count", "smallest n in the fit"},
    {"dim", "count", "dimension d"},
    {"d", "count", "dimension d"},
    {"atoms", "count", "atoms of the discrete target"},
    {"classes", "count", "classes of a labelled target"},
    {"classes_scored", "count", "classes with enough samples to be scored"},
    {"condition_dim", "count", "dimension of the continuous condition"},
    {"steps", "count", "steps: training steps, or the time grid's steps"},
    {"train_steps", "count", "training steps of the model"},
    {"iterations", "count", "solver iterations"},
    {"sd_iterations", "count", "SGD steps of the semidiscrete potential's fit"},
    {"sd_batch", "count", "noises per SGD step of the semidiscrete fit (resolved from 0 = automatic)"},
    {"sd_lr", "1", "initial SGD step of the semidiscrete fit (resolved from 0 = automatic)"},
    {"snapshots", "count", "stored potential snapshots"},
    {"num_params", "count", "network parameters"},
    {"nfe", "count", "function evaluations per sample (the costliest chunk's for Dopri5)"},
    {"nfe_mean", "count", "mean function evaluations per sample"},
    {"logprob_n", "count", "points whose log q₁ was computed"},
    {"logprob_nfe_max", "count", "CNF evaluations on the costliest chunk"},
    {"logprob_nfe_mean", "count", "mean CNF evaluations per point"},
    {"ot_solves", "count", "minibatch OT problems solved"},
    {"ot_batch", "count", "points per minibatch OT problem (ot_batch, or the training batch when 0)"},
    {"mips_probes", "count", "fresh source draws the approximate search was measured on"},
    {"batch", "count", "minibatch size"},
    {"pooled", "count", "pooling factor of the super-resolution condition"},
    {"dropped", "count", "bootstrap resamples dropped (degenerate fit)"},
    {"summary_rows", "count", "rows of the run's own summary"},
    {"run_attempts", "count", "attempts of the sweep run"},
    {"run_exit_code", "1", "the sweep run's exit code"},
    {"run_status", "label", "the sweep run's state: complete, failed or pending"},
    {"run_error", "label", "the failed sweep run's error line"},
    {"steps_needed", "count", "grid steps the follow-up bracket needs for C·B ≤ target_kl"},
    {"steps_needed_orig", "count", "grid steps the original bracket needs for C·B ≤ target_kl"},
    // Times.
    {"wall_time_s", "s", "wall time of the whole run"},
    {"wall_s", "s", "wall time of the row's work"},
    {"train_wall_s", "s", "wall time of the model's training"},
    {"run_wall_s", "s", "wall time of the sweep run"},
    {"setup_s", "s", "set-up time before the first step (data, the coupling's precompute such as the SD potential)"},
    {"train_s", "s", "time of the training steps"},
    {"solve_time_s", "s", "time of the solve"},
    {"fit_s", "s", "time to fit the semidiscrete potential"},
    {"sd_precompute_s", "s", "time to fit the semidiscrete potential before training"},
    {"seconds", "s", "time of the row's computation"},
    {"pairing_s_per_pair", "s", "coupling time per training pair"},
    {"steps_per_s", "1/s", "training steps per second"},
    {"precision", "label", "arithmetic of the network's training passes (train.precision: float64 or float32)"},
    {"ns_per_entry_iteration", "ns", "Sinkhorn time per cost-matrix entry and iteration"},
    {"mips_us_per_query", "µs", "the approximate search's time per query"},
    {"mips_exact_us_per_query", "µs", "the exact search's time per query"},
    // Training.
    {"train_loss", "1", "mean training loss of the last evaluation window"},
    {"final_train_loss", "1", "training loss at the end"},
    {"val_loss", "1", "validation loss (EMA weights)"},
    {"best_val_loss", "1", "lowest validation loss seen"},
    {"val_mse", "1", "validation mean squared error of the learned field"},
    {"target_mse", "1", "the validation MSE training was asked to reach"},
    {"excess_risk", "1", "validation loss minus the objective's irreducible loss"},
    {"lr", "1", "learning rate or SGD step size"},
    {"p_uncond", "1", "probability of dropping a label to ∅ in training"},
    // Couplings and OT.
    {"eps", "1", "ε: the flow-matching error (E‖v − u‖² over p_t ⊗ dt)^{1/2}, or an entropic regularisation"},
    {"eps_per_coord", "1", "ε/√d, the per-coordinate RMS error"},
    {"eps_rel", "1", "entropic ε relative to the cost's standard deviation"},
    {"eps_requested", "1", "the perturbation size asked for"},
    {"eps2", "1", "ε² on the time grid (a drift's mean squared error)"},
    {"sd_eps_rel", "1", "the semidiscrete coupling's relative ε"},
    {"sinkhorn_eps_rel", "1", "the minibatch Sinkhorn coupling's relative ε"},
    {"cost_std_ref", "1", "standard deviation of the cost over the reference draws (the scale of eps_rel)"},
    {"marginal_error", "1", "the plan's marginal error (L1 of the column sums)"},
    {"marginal_error_l2", "1", "the plan's L2 column error (POT's stopping criterion)"},
    {"row_error", "1", "the plan's row error"},
    {"entropy", "nats", "entropy of the plan"},
    {"omega", "1", "over-relaxation factor of the Sinkhorn updates"},
    {"omega_iteration", "count", "iteration at which ω was last set"},
    {"chi2", "1", "χ² divergence of the potential's cell masses from the target weights (unbiased estimate: below 0 when within its SE of 0)"},
    {"sd_chi2", "1", "χ² of the semidiscrete potential's cell masses from the atoms' weights (unbiased estimate: below 0 when within its SE of 0)"},
    {"potential_chi2", "1", "χ² of the fitted potential's cell masses (unbiased estimate: below 0 when within its SE of 0)"},
    {"landing_chi2", "1", "χ² of where the oracle flow's samples land, from the atoms' weights (unbiased collision estimate: may read below 0)"},
    {"landing_tv", "1", "total variation between the landing histogram and the atoms' weights"},
    {"mips_chi2", "1", "χ² of the approximate search's assignment"},
    {"mips_chi2_exact", "1", "χ² of the exact search's assignment on the same draws"},
    {"mips_recall", "1", "fraction of queries the approximate search gives the exact argmax atom"},
    {"sd_w2sq_dual", "data units²", "the semidiscrete dual's lower bound on W2²(source, training set)"},
    {"sd_beta", "1", "weight β of the condition in the semidiscrete augmented cost"},
    {"beta", "1", "a weight β: the condition's in an augmented cost, or a target's smoothness"},
    {"sinkhorn_max_marginal_error", "1", "largest marginal error of the minibatch Sinkhorn plans"},
    {"sinkhorn_mean_marginal_error", "1", "mean marginal error of the minibatch Sinkhorn plans"},
    {"sinkhorn_mean_entropy", "nats", "mean entropy of the minibatch Sinkhorn plans"},
    {"sinkhorn_mean_iterations", "count", "mean iterations of the minibatch Sinkhorn solves"},
    {"sinkhorn_unconverged_fraction", "1", "fraction of minibatch Sinkhorn solves that hit the iteration cap"},
    // Sample quality.
    {"w2", "data units", "exact W2 between generated and held-out points (standardised units in studies)"},
    {"w2sq", "data units²", "W2² between generated and held-out points"},
    {"w2_class", "data units", "mean per-class W2"},
    {"w2_floor", "data units", "W2 of exact draws from the target to it: the multinomial floor"},
    {"energy", "data units", "energy distance between generated and held-out points"},
    {"energy_class", "data units", "mean per-class energy distance"},
    {"sliced_w2sq", "data units²", "sliced W2² over 256 shared directions"},
    {"mmd2", "1", "unbiased MMD² with Gaussian kernels at ½, 1, 2 × the median distance"},
    {"memorisation", "1", "generated-to-training over generated-to-test nearest-neighbour distance"},
    {"map_mse", "data units²", "E‖T̂(x₀) − T(x₀)‖²: the flow map's distance to the known OT map"},
    {"accuracy", "1", "classifier accuracy on generated samples of each class"},
    {"accuracy_real", "1", "the classifier's accuracy on real held-out points"},
    {"psnr", "dB", "peak signal-to-noise ratio of samples against the true image (pixel range 16)"},
    {"spread", "data units", "per-pixel standard deviation across samples of one condition"},
    {"pool_rmse", "data units", "RMS difference between a sample's pooled copy and the condition"},
    {"sigma", "data units", "noise of the super-resolution condition"},
    {"frac_on_atom", "1", "fraction of samples landing on an atom (within 0.1 × the smallest atom separation)"},
    {"guidance", "1", "classifier-free guidance scale γ"},
    // Straightness and transport.
    {"curv_ott", "data units²", "curvature: E∫‖v(x_t, t) − (x₁ − x₀)‖² dt along the learned flow"},
    {"s_liu", "data units²", "straightness of Liu et al.: E∫‖(x₁ − x₀) − v‖² dt"},
    {"transport_cost", "data units²", "E‖x₁ − x₀‖² of the flow map (fine solve)"},
    {"sample_transport_cost", "data units²", "E‖x̂₁ − x₀‖² of the row's own solver"},
    {"path_energy", "data units²", "E∫‖v(x_t, t)‖² dt along the flow"},
    {"loss_star", "1", "the irreducible flow-matching loss of the coupling"},
    // KL bound.
    {"kl", "nats", "Monte-Carlo KL(p₁‖q₁) (CNF log q₁)"},
    {"kl_exact", "nats", "KL in closed form"},
    {"eps_exact", "1", "ε in closed form (√(d∫δ²e^{2A}dt), E2A)"},
    {"S_exact", "1", "S in closed form (d∫(1 − e^{−2D})²e^{−2A}dt, E2A)"},
    {"cs_bound_exact", "nats", "ε√S from the closed forms (E2A)"},
    {"cs_verdict_exact", "label", "KL against ε√S, both exact: satisfied or violated (E2A)"},
    {"kl_mc_z", "1", "(KL̂ − KL)/s.e.: the Monte-Carlo KL against its closed form, in standard errors"},
    {"kl_t025", "nats", "KL(p_t‖q_t) at t = 0.25"},
    {"kl_t050", "nats", "KL(p_t‖q_t) at t = 0.5"},
    {"kl_t075", "nats", "KL(p_t‖q_t) at t = 0.75"},
    {"S", "1", "score-gap integral ∫ E‖∇log p_t − ∇log q_t‖² dt"},
    {"cs_bound", "nats", "the Cauchy–Schwarz bound ε√S"},
    {"kl_bound", "nats", "the bound A1ε + A2ε²"},
    {"A1", "nats", "the bound's linear coefficient A1"},
    {"A2", "nats", "the bound's quadratic coefficient A2"},
    {"tv_bound", "1", "√(kl_bound/2): Pinsker of the bound"},
    {"cs_tv_bound", "1", "√(cs_bound/2): Pinsker of ε√S"},
    {"L_v", "1", "sampled Lipschitz constant of v (a lower estimate of the supremum)"},
    {"L_v_rigorous", "1", "rigorous upper bound on the MLP's Lipschitz constant"},
    {"M_v", "1", "sampled sup of ‖∇(∇·v)‖"},
    {"I_p", "1", "path Fisher information ∫ E‖∇log p_t‖² dt (closed form where the path has one, else Monte Carlo; over [0, 1 − fisher_delta])"},
    {"fisher_delta", "1", "δ > 0: I(p₁) = ∞ (holder β ≤ 1/2), so S and I_p are integrated over [0, 1 − δ] only (lower estimates); 0: over [0, 1]"},
    {"I_0", "1", "source Fisher information E‖∇log p₀‖²"},
    {"L_0", "1", "Lipschitz constant of ∇log p₀"},
    {"ratio_kl_cs", "1", "KL/(ε√S)"},
    {"ratio_kl_bound", "1", "KL/(A1ε + A2ε²)"},
    {"identity_max_abs_err", "nats", "largest abs(∫g − KL(p_t‖q_t)) over t"},
    {"identity_err", "nats", "the identity's error at t = 1: ∫₀¹ĝ − KL̂(1)"},
    {"identity_err_se", "nats", "its standard error by batch means (identity_batches disjoint Monte-Carlo batches)"},
    {"identity_max_rel_err", "1", "largest relative error of the KL identity over t"},
    {"identity_max_rel_err_pct", "%", "largest relative error of the KL identity over t"},
    {"identity_mean_rel_err_pct", "%", "mean relative error of the KL identity over t"},
    {"identity_median_rel_err_pct", "%", "median relative error of the KL identity over t"},
    {"derivative_max_err", "1", "largest error of dKL/dt against g by finite differences"},
    {"ode_logq_max_err", "nats", "largest error of the CNF log q against the exact one"},
    {"ode_score_max_err", "1", "largest error of the CNF score against the exact one"},
    {"mean_log_q", "nats", "mean CNF log q₁ over the points"},
    {"mean_log_p_exact", "nats", "mean exact log p₁ over the points"},
    {"max_abs_log_q_minus_log_p", "nats", "largest abs(log q₁ − log p₁)"},
    // TV study.
    {"tv", "1", "Monte-Carlo TV(p, q) of the trained model"},
    {"tv_pinsker", "1", "√(KL/2): Pinsker of the measured KL"},
    {"pinsker_tv", "1", "√(KL/2): Pinsker of the measured KL"},
    {"kde_tv", "1", "TV of the KDE with a cross-validated bandwidth"},
    {"kde_kl", "nats", "KL of the KDE with a cross-validated bandwidth"},
    {"kde_h", "data units", "the KDE's cross-validated bandwidth"},
    {"kde_oracle_tv", "1", "TV of the KDE with the oracle-rate bandwidth"},
    {"kde_oracle_kl", "nats", "KL of the KDE with the oracle-rate bandwidth"},
    {"kde_oracle_h", "data units", "the oracle-rate bandwidth c·n^(−1/(2β+d))"},
    {"slope", "1", "fitted exponent r of y ∝ n^(−r)"},
    {"intercept", "1", "fitted log-intercept of y ∝ n^(−r)"},
    {"lo", "1", "lower end of the slope's bootstrap interval"},
    {"hi", "1", "upper end of the slope's bootstrap interval"},
    {"width", "1", "hi − lo: the width of the slope's bootstrap interval"},
    {"reps_used", "count", "repetitions of every n the fit used (the first k)"},
    {"rule_n", "count", "the n whose training rule the row ran (0: the one rule of every n)"},
    {"floor_tv", "1", "mean TV of the floor runs (fresh samples) of the row's training rule"},
    {"reference", "label", "what the reference slope is"},
    {"reference_slope", "1", "the reference exponent (minimax β/(2β + d), or the smooth-case 1/2)"},
    // DFM.
    {"sigma2", "1", "bridge noise σ²"},
    {"h", "1", "step size of the grid"},
    {"delta", "1", "early-stopping δ (T = 1 − δ)"},
    {"T", "1", "horizon T of the grid"},
    {"rho", "1", "correlation ρ of the coupling"},
    {"grid_param", "1", "the grid's parameter (N, or M for G3)"},
    {"grid_mass", "1", "probability mass inside the density grid"},
    {"kl_marg", "nats", "KL(ν*‖law of the Euler–Maruyama output)"},
    {"kl_path", "nats", "KL between the path measures"},
    {"D_h", "1", "the discretisation term D_h of the chain"},
    {"chain", "nats", "(ε² + D_h)/σ²: the explicit chain's bound"},
    {"F_orig", "1", "F of the original bracket"},
    {"F_fu", "1", "F of the follow-up bracket"},
    {"bracket_orig", "nats", "the original bracket B = ε² + h F_orig (structure recalled, constant unknown)"},
    {"bracket_fu", "nats", "the follow-up bracket (structure recalled, constant unknown)"},
    {"bracket_w2", "data units²", "the early-stopping W2² bias bracket"},
    {"w2_bias2_bound", "data units²", "bound on W2²(ν*_{1−δ}, ν*)"},
    {"C_orig", "1", "implied constant KL_marg/B_orig"},
    {"C_fu", "1", "implied constant KL_marg/B_FU"},
    {"C_path_orig", "1", "implied constant KL_path/B_orig"},
    {"C_path_fu", "1", "implied constant KL_path/B_FU"},
    {"constant", "1", "the universal constant C of the step complexity"},
    {"target_kl", "nats", "the KL asked for in the step complexity"},
    {"J8", "1", "the moment J₈ of the brackets"},
    {"K8", "1", "the moment K₈ of the brackets"},
    {"M8_mu", "1", "eighth moment of the source μ"},
    {"M8_nu", "1", "eighth moment of the target ν"},
    {"S8_mu", "1", "eighth score moment of the source μ"},
    {"S8_nu", "1", "eighth score moment of the target ν"},
    {"S8_tilt", "1", "eighth moment of the tilted score"},
};

// Arrays by their path in a file; a path ending in '/' stands for every dataset in that group.
const char* const kArrays[][3] = {
    {"/samples", "data units", "generated samples, one row per point (n, d)"},
    {"/trajectories/x", "data units", "states along the flow (K+1, n, d)"},
    {"/trajectories/t", "1", "the times of the stored states"},
    {"/logprob/points", "data units", "the points whose log-density was computed (m, d)"},
    {"/logprob/log_q", "nats", "CNF log q₁ at the points"},
    {"/logprob/log_p_exact", "nats", "exact log p₁ of the unperturbed path at the points"},
    {"/logprob/score", "1/data units", "CNF ∇log q₁ at the points"},
    {"/logprob/score_exact", "1/data units", "exact ∇log p₁ at the points"},
    {"/runs/0/train/step", "count", "optimisation step"},
    {"/runs/0/train/loss", "1", "batch loss at each step"},
    {"/runs/0/train/lr", "1", "learning rate at each step"},
    {"/runs/0/eval/step", "count", "step of each validation"},
    {"/runs/0/eval/val_loss", "1", "validation loss (EMA weights) at each validation"},
    {"/runs/0/eval/eps2", "1", "ε² against the exact field at each validation"},
    {"/result/assignment", "index", "exact OT: the column paired with each row"},
    {"/result/plan", "1", "the transport plan (rows: x, columns: y)"},
    {"/result/f", "1", "Sinkhorn potential of x (P = a_i b_j exp((f_i + g_j − C_ij)/ε))"},
    {"/result/g", "1", "the potential of y (semidiscrete: centred, for the chosen cost)"},
    {"/result/chi2_step", "count", "SGD step of each χ² check"},
    {"/result/chi2", "1", "χ² of the averaged potential at each check"},
    {"/result/labels", "label", "each atom's class"},
    {"/result/cell_chi2", "1", "χ² per class (or of the one augmented problem)"},
    {"/result/snapshots/g", "1", "the averaged potential when χ² first fell below each level"},
    {"/result/snapshots/level", "1", "the χ² levels reached"},
    {"/result/snapshots/step", "count", "the SGD step each level was reached"},
    {"/train_loss/", "1", "a seed's training-loss curve: rows (last step of the block, mean batch loss over it)"},
    {"/samples/", "data units", "the first seed's samples of a dataset and coupling"},
    {"/trajectories/", "data units", "64 Euler trajectories of the first seed (time, trajectory, coordinate)"},
    {"/sd_chi2/", "1", "the SD potential's fit: rows (SGD step, χ² on the evaluation set)"},
    {"/conditional_samples/", "data units", "the first seed's samples per class (row i has class i mod classes)"},
    {"/super_resolution_samples/", "data units", "inputs, truths and the first seed's samples of shown test images"},
};

std::unordered_map<std::string, ColumnDoc> build() {
  std::unordered_map<std::string, ColumnDoc> m;
  for (const auto& d : kDocs) m.emplace(d[0], ColumnDoc{d[1], d[2]});
  return m;
}

}  // namespace

namespace {

// The documentation a derived name takes from its base (recursive, so `run.kl_se` works); nothing
// is locked here, so the recursion cannot deadlock.
std::optional<ColumnDoc> derive(const std::string& name) {
  auto ends_with = [&](const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return name.size() > n && name.compare(name.size() - n, n, suffix) == 0;
  };
  if (ends_with("_se")) {
    const ColumnDoc* base = column_doc(name.substr(0, name.size() - 3));
    if (!base) return std::nullopt;
    return ColumnDoc{base->units, "standard error of: " + base->description};
  }
  if (ends_with("_kind")) {
    const std::string base = name.substr(0, name.size() - 5);
    if (!column_doc(base)) return std::nullopt;
    return ColumnDoc{"label", "what kind of number " + base +
                                  " is: exact, closed_form, sampled (a lower estimate of a supremum), monte_carlo (an "
                                  "unbiased mean), rigorous_upper_bound or unavailable"};
  }
  if (name.rfind("run.", 0) == 0) {
    const ColumnDoc* base = column_doc(name.substr(4));
    if (!base) return std::nullopt;
    return ColumnDoc{base->units, "the run's own " + base->description};
  }
  if (name.find('.') != std::string::npos) return ColumnDoc{"config value", "the swept config key " + name};
  return std::nullopt;
}

}  // namespace

const ColumnDoc* column_doc(const std::string& name) {
  static const std::unordered_map<std::string, ColumnDoc> docs = build();
  if (auto it = docs.find(name); it != docs.end()) return &it->second;
  // Derived names are kept once made (element addresses in an unordered_map are stable), under a
  // lock taken only around the map, never around the derivation.
  static std::unordered_map<std::string, ColumnDoc> derived;
  static std::mutex lock;
  {
    std::lock_guard<std::mutex> g(lock);
    if (auto it = derived.find(name); it != derived.end()) return &it->second;
  }
  std::optional<ColumnDoc> d = derive(name);
  if (!d) return nullptr;
  std::lock_guard<std::mutex> g(lock);
  return &derived.emplace(name, std::move(*d)).first->second;
}

void describe_arrays(H5File& f) {
  auto put = [&](const std::string& path, const char* units, const char* description) {
    if (f.has_attr(path, "description")) return;  // a writer that said more keeps its words
    f.set_attr(path, "units", std::string(units));
    f.set_attr(path, "description", std::string(description));
  };
  for (const auto& a : kArrays) {
    const std::string path = a[0];
    if (path.back() == '/') {
      const std::string group = path.substr(0, path.size() - 1);
      if (!f.exists(group) || f.is_dataset(group)) continue;
      for (const std::string& m : f.members(group))
        if (f.is_dataset(path + m)) put(path + m, a[1], a[2]);
    } else if (f.exists(path) && f.is_dataset(path)) {
      put(path, a[1], a[2]);
    }
  }
}

void describe_column(H5File& f, const std::string& path, const std::string& name) {
  if (const ColumnDoc* d = column_doc(name)) {
    f.set_attr(path, "units", d->units);
    f.set_attr(path, "description", d->description);
  }
}

}  // namespace fm::io
