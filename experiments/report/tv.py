"""The TV-rate section (theory/tv_rate.md): TV against n, the fitted slopes and the bound chain."""
import math

from experiments.claims import tv_claims
from experiments.report.common import TV_HEADING, claims_section, fit_slope, note_verdict, study_table


def run_time(s, wall):
    """The study's cost: its units' wall times summed (each unit runs on one thread), which stays
    right for a run resumed over several stints; files from before 2026-12-04 record only the last
    stint in their root wall_time_s. That root value where the rows have no unit times."""
    units = [w for w in s.get("wall_time_s", []) if w == w]
    if not units:
        return f"{wall:.0f} s"
    total = sum(units)
    return (f"{total / 3600:.1f} h" if total >= 3600 else f"{total:.0f} s") + " of run time summed over its units"


def tv_study(d, label):
    loaded = study_table(d, "tv.h5")
    if loaded is None:
        return []
    s, wall = loaded
    fits, _ = study_table(d, "tv.h5", "fits")
    rows = range(len(s["target"]))
    targets = list(dict.fromkeys(s["target"]))
    ns = sorted(n for n in set(s["n"]) if n > 0)  # n = 0: the floor run on fresh samples
    reps = len(set(s["rep"][i] for i in rows if s["n"][i] > 0))
    def mean(colname, tg, n):
        v = [s[colname][i] for i in rows if s["target"][i] == tg and s["n"][i] == n]
        return sum(v) / len(v) if v else float("nan")
    def fit(tg, q):
        for i in range(len(fits["target"])):
            if fits["target"][i] == tg and fits["quantity"][i] == q:
                return {k: fits[k][i] for k in fits}
        return None
    chain_ok = sum(1 for i in rows if s["pinsker_holds"][i] and s["bound_holds"][i])
    # The chain is an inequality between estimates, checked run by run (each link within 3 s.e.).
    note_verdict(TV_HEADING, "the chain TV ≤ √(KL/2) ≤ √((A1ε+A2ε²)/2)",
                 "**supported**" if chain_ok == len(s["target"]) else "**contradicted**",
                 f"holds in {chain_ok} of {len(s['target'])} runs, each link within 3 standard errors; an estimate, not "
                 "a certificate (A1 from sampled L_v, M_v)")
    n_min = int(fits["n_min"][0]) if fits["n_min"] else 0
    rates, rate_means = tv_claims.judge_all(s, n_min)
    # A scaled rule (train.scale) has a floor per n: its floor rows carry the n of their rule.
    scaled = any(s["n"][i] == 0 and s.get("rule_n", [0] * len(rows))[i] > 0 for i in rows)
    out = [TV_HEADING, "",
           f"{len(targets)} targets × n ∈ {{{', '.join(str(int(n)) for n in ns)}}} × {reps} repetitions "
           f"(independent training sets); "
           + ("a training rule scaled with n (train.scale), each n read against the floor of its own rule"
              if scaled else "one training rule for every n")
           + f"; {run_time(s, wall)}. TV and KL on fixed samples of "
           "p through the CNF; ε_n against the exact velocity (closed form, or quadrature for the holder family); "
           "the KDE on the same samples. Means over repetitions (steps: the mean steps trained before early "
           "stopping):", "",
           "| target | n | steps | ε_n | KL | TV (FM) | floor | TV (FM) / floor | TV (KDE, CV h) | TV (KDE, oracle-rate h) | "
           "√(KL/2) | √((A1ε+A2ε²)/2) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for tg in targets:
        for n in ns:
            floor = tv_claims.floor_tv(s, tg, n)
            ratio = f"{mean('tv', tg, n) / floor:.2f}" if floor == floor and floor > 0 else "n/a (no floor run)"
            out.append(f"| {tg} | {int(n)} | {mean('train_steps', tg, n):.0f} | {mean('eps', tg, n):.4f} | "
                       f"{mean('kl', tg, n):.5f} | {mean('tv', tg, n):.4f} | {floor:.4f} | {ratio} | "
                       f"{mean('kde_tv', tg, n):.4f} | {mean('kde_oracle_tv', tg, n):.4f} | {mean('pinsker_tv', tg, n):.4f} | "
                       f"{mean('tv_bound', tg, n):.3g} |")
    out += ["", "Each floor trains with the same rule on fresh samples of p at every step: no finite training set, "
            "so its error is the rule's optimisation and capacity floor. Where the finite-n TV has reached it, a "
            "slower-than-minimax slope measures the training rule, not the statistics of FM. "
            + floor_reading(s, targets, ns, n_min), "",
            f"The chain TV ≤ √(KL/2) ≤ √((A1ε+A2ε²)/2) holds (each link within 3 standard errors) in {chain_ok} of "
            f"{len(s['target'])} runs{' — at every n' if chain_ok == len(s['target']) else ''}. The last link is loose: "
            "the bound exceeds √(KL/2) by "
            + ", ".join(f"{tg} {min(mean('tv_bound', tg, n) / max(mean('pinsker_tv', tg, n), 1e-300) for n in ns):.0f}×"
                        for tg in targets) + " at best (its A1 carries e^{L_v}). The last link is an estimate, not a "
            "certificate: A1 uses the sampled L_v and M_v, lower estimates of suprema. " + truncation_note(s, targets), "",
            kl_eps_reading(targets, ns, mean), "",
            f"Fitted exponents r of y ∝ n^−r over n ≥ {int(fits['n_min'][0])}, with bootstrap 90 % intervals. The minimax "
            "exponent is the worst case over the Hölder class, not the rate of one member of it, so it is a reference, "
            "not a verdict:", "",
            "| target | TV (FM) | minimax reference | FM against the reference | ε_n | KL | TV (KDE, CV) | TV (KDE, oracle) | "
            "KDE reference |",
            "|---|---|---|---|---|---|---|---|---|"]
    def r(tg, q):
        f = fit(tg, q)
        return f"{f['slope']:.3f} [{f['lo']:.3f}, {f['hi']:.3f}]" if f else "—"
    for tg in targets:
        f = fit(tg, "tv")
        fe = fit(tg, "eps")
        if f["lo"] <= f["reference_slope"] <= f["hi"]:
            verdict = "within the interval"
        elif f["lo"] > f["reference_slope"]:
            # Faster than minimax is no contradiction: the minimax rate is the worst case over the
            # class, and one smooth-enough member can be learned faster over these n.
            verdict = (f"faster by {f['slope'] - f['reference_slope']:.3f} (the minimax rate is the class's worst "
                       "case; this density is easier)")
        else:
            verdict = f"below it by {f['reference_slope'] - f['slope']:.3f}"
            floor = tv_claims.floor_tv(s, tg, ns[-1])
            if floor == floor and mean("tv", tg, ns[-1]) < tv_claims.FLOOR_RATIO * floor:
                verdict += (f" (at n = {int(ns[-1])} TV is {mean('tv', tg, ns[-1]) / floor:.2f}× the fresh-sample floor "
                            f"{floor:.4f}: the training rule's floor, not the sample size, limits it)")
            elif fe and fe["slope"] < 0.5 * fe["reference_slope"]:
                verdict += " (ε_n stalls while TV is above the floor)"
        out.append(f"| {tg} | {r(tg, 'tv')} | {f['reference_slope']:.3f} | {verdict} | {r(tg, 'eps')} | {r(tg, 'kl')} | "
                   f"{r(tg, 'kde_tv')} | {r(tg, 'kde_oracle_tv')} | {fit(tg, 'kde_tv')['reference_slope']:.3f} |")
    out += ["", stability_reading(study_table(d, "tv.h5", "fit_stability"))]
    out += [""] + claims_section(rates, reps, TV_HEADING, per="target", units="repetitions")
    if rate_means:
        out += ["Mean exponents over repetitions (FM against the KDE with its cross-validated bandwidth, same samples): "
                + "; ".join(f"{tg} r_FM = {fm:.3f}, r_KDE = {kde:.3f}" for tg, (fm, kde) in rate_means.items()) + ".", ""]
    out += ["![TV vs n](tv_rate.png)", "", "![eps, KL and the bound chain vs n](tv_eps_kl.png)", ""]
    return out


def floor_reading(s, targets, ns, n_min):
    """Where FM's TV is within FLOOR_RATIO× of its rule's floor at a fitted n, per target, from the
    table: a rate fitted there measures the rule, and claim T1 does not judge that target."""
    fitted = [n for n in ns if n >= n_min]
    ratios = {tg: [tv_claims.mean_tv(s, tg, n) / tv_claims.floor_tv(s, tg, n) for n in fitted] for tg in targets}
    ratios = {tg: r for tg, r in ratios.items() if r and all(x == x for x in r)}
    if not ratios:
        return "No target has a floor run, so this run cannot tell the rule's floor from the sample size."
    k = tv_claims.FLOOR_RATIO
    text = (f"Over the fitted n (≥ {int(n_min)}), TV (FM) / floor is {min(min(r) for r in ratios.values()):.2f} to "
            f"{max(max(r) for r in ratios.values()):.2f}. ")
    at = {tg: [int(n) for n, _ in tv_claims.at_floor(s, tg, n_min)] for tg in ratios}
    at = {tg: n for tg, n in at.items() if n}
    if not at:
        return text + f"Every target is at least {k}× above its floor at every fitted n, so its exponent measures n."
    where = "; ".join(f"{tg} at n = {', '.join(map(str, n))}" for tg, n in at.items())
    return text + (f"Within {k}× of the floor: {where}. There the fitted exponents measure the training rule, and claim "
                   "T1 does not judge those targets.")


# The interval is stable when adding repetitions moves its √k-scaled width by less than 25 %. A
# well-calibrated interval narrows like 1/√k on its own: from 5 to 8 repetitions its raw width falls by
# 26 % of the new width, so a rule on the raw width could not call even a textbook interval stable.
# Scaled by √k, the width estimates the exponent's spread per repetition, which stops moving once the
# bootstrap has enough distinct resamples (with 3 repetitions per n it is too narrow).
STABLE = 0.25


def scaled_width(k, width):
    """The interval's width with k repetitions per n, times √k (see STABLE)."""
    return width * math.sqrt(k)


def stability_reading(loaded):
    """Whether the bootstrap interval of FM's TV exponent has stopped moving as repetitions are added,
    from /fit_stability (the fit with the first k repetitions, k = 3, 5, 8, …, all)."""
    if loaded is None:
        return "This file has no /fit_stability table (written since 2026-12-03), so the interval's stability is not shown."
    t, _ = loaded
    rows = range(len(t["target"]))
    parts, stable, unshown = [], [], []
    for tg in dict.fromkeys(t["target"]):
        w = [(t["reps_used"][i], t["width"][i]) for i in rows if t["target"][i] == tg and t["quantity"][i] == "tv"]
        parts.append(f"{tg} " + ", ".join(f"k = {k}: {x:.3f} (×√k {scaled_width(k, x):.3f})" for k, x in w))
        if len(w) < 2:
            unshown.append(tg)
        elif abs(scaled_width(*w[-1]) - scaled_width(*w[-2])) < STABLE * scaled_width(*w[-1]):
            stable.append(tg)
    text = ("Width of the 90 % bootstrap interval of FM's TV exponent with the first k repetitions of every n: "
            + "; ".join(parts) + ". ")
    if unshown:
        text += (f"With {len(unshown)} target(s) run at fewer than 5 repetitions this run cannot show that their "
                 "interval is stable: with 3 repetitions per n the bootstrap has few distinct resamples, and its "
                 "interval is narrower than the spread of the exponent. ")
    judged = len(parts) - len(unshown)
    if judged:
        text += (f"Stable (the last repetitions moved the width × √k by less than {STABLE:.0%}; the raw width "
                 f"narrows like 1/√k on its own) on {len(stable)} of {judged}"
                 + (f": {', '.join(stable)}." if stable else "."))
    return text


def kl_eps_reading(targets, ns, mean):
    """Does KL scale like ε_n² (as the CS bound ε√S allows) or like ε_n (the bound's leading A1ε)?
    Computed: per target, the least-squares exponent p of KL ∝ ε_n^p over n (means over
    repetitions); p is read as closer to 2 or to 1, nothing finer."""
    parts, near2 = [], []
    for tg in targets:
        eps, kl = [mean("eps", tg, n) for n in ns], [mean("kl", tg, n) for n in ns]
        p = fit_slope(eps, kl)
        if p != p:
            continue
        near2.append(p > 1.5)
        parts.append(f"{tg} p = {p:.2f}")
    if not parts:
        return "Too few sample sizes to fit KL against ε_n."
    if all(near2):
        verdict = ("On every target the exponent p of KL ∝ ε_n^p over n is closer to 2 than to 1: KL scales like "
                   "ε_n², not like ε_n as the bound's leading term A1ε would allow.")
    elif not any(near2):
        verdict = "On every target the exponent p of KL ∝ ε_n^p over n is closer to 1 than to 2."
    else:
        verdict = f"The exponent p of KL ∝ ε_n^p over n is closer to 2 on {sum(near2)} of {len(near2)} targets only."
    return verdict + " Fitted on the means over repetitions: " + "; ".join(parts) + "."


def truncation_note(s, targets):
    """Where I(p₁) = ∞ the study integrates S and I_p to 1 − δ (the file's fisher_delta); say where."""
    if "fisher_delta" not in s:
        return ""
    cut = {tg: max(s["fisher_delta"][i] for i in range(len(s["target"])) if s["target"][i] == tg) for tg in targets}
    cut = {tg: dl for tg, dl in cut.items() if dl > 0}
    if not cut:
        return "Every target has a finite I(p₁): S and I_p are integrated over [0, 1]."
    return ("I(p₁) = ∞ on " + ", ".join(f"{tg} (δ = {dl:.3g})" for tg, dl in cut.items()) + ": there S and I_p are "
            "integrated over [0, 1 − δ] only, so they and the bound built on them are lower estimates.")
