"""Tests of the claims engine (theory/claims.md §5): known values of the t and Holm computations,
calibration under no effect, equivalence at twice the margin, and power at 1.5 within-seed SD
(printed; docs/claims.md records it). Run: python3 -m unittest experiments.claims.test_engine"""
import unittest

import numpy as np

from experiments.claims import Claim, Comparison, combine, judge, judge_rate, judge_trend, stats

SIMS = 2000
SUP = Claim("x", "A < B", "w2", "superiority", "less")
EQ = Claim("e", "A ≈ B", "w2", "equivalence", margin_text="0.5 absolute")
RATE = Claim("r", "KL falls like h²", "KL", "rate", predicted=2.0, unit="design point")
H = [0.1, 0.05, 0.025, 0.0125, 0.00625]


def rate_share(rng, p, noise, word="supported", margin=0.1):
    """Share of `word` over simulated sweeps y = h^p · exp(noise · z) on the five steps H."""
    hits = 0
    for _ in range(SIMS):
        y = np.array(H) ** p * np.exp(noise * rng.normal(size=len(H)))
        hits += judge_rate(RATE, H, y, margin, "h").word == word
    return hits / SIMS


def share(rng, k, n_comparisons, mean, claim=SUP, margin=None, word="supported"):
    hits = 0
    for _ in range(SIMS):
        comps = [Comparison(f"c{i}", list(rng.normal(mean, 1.0, k))) for i in range(n_comparisons)]
        hits += judge(claim, comps, margin).word == word
    return hits / SIMS


class KnownValues(unittest.TestCase):
    def test_t_interval_uses_k_minus_one_degrees_of_freedom(self):
        # d = (1, 2, 3): mean 2, sd 1, se 1/√3; t_{0.975, 2} = 4.3027.
        lo, hi = stats.interval([1, 2, 3], 0.95)
        self.assertAlmostEqual(hi - 2, 4.302652729911275 / 3 ** 0.5, places=10)
        self.assertAlmostEqual(lo, 2 - (hi - 2), places=12)

    def test_one_sided_p_matches_a_table_value(self):
        # t = 2.0 with 4 df: one-sided p = 0.0581 (t table).
        d = np.array([-1.0, 1.0, -1.0, 1.0, 0.0]) / (np.std([-1, 1, -1, 1, 0], ddof=1) / 5 ** 0.5)
        d = d - d.mean() - 2.0 * (d.std(ddof=1) / 5 ** 0.5)
        self.assertAlmostEqual(stats.one_sided_p(d, "less"), 0.058058261758408, places=9)

    def test_holm_step_down(self):
        adj, rej = stats.holm([0.01, 0.04, 0.03, 0.005], 0.05)
        self.assertEqual([round(a, 6) for a in adj], [0.03, 0.06, 0.06, 0.02])
        self.assertEqual(rej, [True, False, False, True])

    def test_tost_decides_by_the_90_percent_interval(self):
        d = [0.1, -0.05, 0.02, 0.04, -0.01]
        lo, hi = stats.interval(d, 0.90)
        self.assertLessEqual(stats.tost_p(d, max(abs(lo), abs(hi)) * 1.0001), 0.05)
        self.assertGreater(stats.tost_p(d, max(abs(lo), abs(hi)) * 0.999), 0.05)

    def test_bootstrap_slope_recovers_a_known_slope(self):
        rng = np.random.default_rng(1)
        x = np.array([1.0, 2.0, 3.0, 4.0])
        y = -0.5 * x + rng.normal(0, 0.01, (10, 4))
        est, lo, hi = stats.bootstrap_slope(x, y)
        self.assertAlmostEqual(est, -0.5, places=2)
        self.assertLess(lo, est)
        self.assertLess(est, hi)
        self.assertLess(hi, 0)


    def test_loglog_slope_interval_is_the_t_interval_on_residuals(self):
        # log y = 2 log x + (0, +e, −e, 0) on x = 1, 2, 4, 8: slope by hand, se from the residuals.
        e = 0.01
        x = [1.0, 2.0, 4.0, 8.0]
        ly = [2 * np.log(v) + r for v, r in zip(x, (0.0, e, -e, 0.0))]
        p, lo, hi, n = stats.loglog_slope(x, np.exp(ly), 0.90)
        lx = np.log(x)
        xc = lx - lx.mean()
        slope = float((xc * (np.array(ly) - np.mean(ly))).sum() / (xc * xc).sum())
        resid = np.array(ly) - np.mean(ly) - slope * xc
        se = np.sqrt((resid ** 2).sum() / 2 / (xc * xc).sum())
        self.assertEqual(n, 4)
        self.assertAlmostEqual(p, slope, places=12)
        self.assertAlmostEqual(hi - p, 2.919985580355516 * se, places=12)  # t_{0.95, 2}
        self.assertAlmostEqual(p - lo, hi - p, places=12)
        # Non-positive and non-finite points are left out; two points leave no interval.
        p2, lo2, _, n2 = stats.loglog_slope([1.0, 2.0, 0.0, 4.0], [1.0, 4.0, 5.0, float("nan")], 0.90)
        self.assertEqual(n2, 2)
        self.assertAlmostEqual(p2, 2.0, places=12)
        self.assertTrue(np.isnan(lo2))


class Calibration(unittest.TestCase):
    def test_no_effect_is_rarely_supported(self):
        rng = np.random.default_rng(2026)
        for k in (3, 5, 10):
            s = share(rng, k, 1, 0.0)
            self.assertLessEqual(s, 0.065, f"k = {k}: supported on {s:.3f} of null claims")
        s8 = share(rng, 5, 8, 0.0)
        self.assertLessEqual(s8, 0.065, f"8 primary comparisons: supported on {s8:.3f} of null claims")

    def test_no_effect_is_rarely_contradicted(self):
        rng = np.random.default_rng(7)
        for k in (3, 5, 10):
            self.assertLessEqual(share(rng, k, 1, 0.0, word="contradicted"), 0.065)

    def test_twice_the_margin_is_never_called_equivalent_beyond_alpha(self):
        rng = np.random.default_rng(11)
        for k in (3, 5, 10):
            s = share(rng, k, 1, 2 * 0.5, EQ, margin=0.5)
            self.assertLessEqual(s, 0.065, f"k = {k}: an effect of 2δ called equivalent {s:.3f} of the time")

    def test_a_rate_off_by_twice_the_margin_is_never_called_supported_beyond_alpha(self):
        rng = np.random.default_rng(17)
        for noise in (0.01, 0.05, 0.2):
            for p in (2 - 0.2, 2 + 0.2):
                s = rate_share(rng, p, noise)
                self.assertLessEqual(s, 0.065, f"noise {noise}, exponent {p}: supported {s:.3f} of the time")

    def test_a_true_rate_is_never_contradicted_beyond_alpha(self):
        rng = np.random.default_rng(19)
        for noise in (0.01, 0.05, 0.2):
            s = rate_share(rng, 2.0, noise, word="contradicted")
            self.assertLessEqual(s, 0.065, f"noise {noise}: a true rate contradicted {s:.3f} of the time")

    def test_power_at_one_and_a_half_within_seed_sd(self):
        rng = np.random.default_rng(3)
        out = []
        for k in (3, 5, 10):
            s = share(rng, k, 1, -1.5)
            out.append(f"k = {k}: {s:.2f}")
            self.assertGreater(s, 0.05)
        print("\npower of one primary comparison at an effect of 1.5 within-seed SD: " + ", ".join(out))


class Verdicts(unittest.TestCase):
    def test_fewer_than_three_seeds_is_no_verdict(self):
        self.assertEqual(judge(SUP, [Comparison("a", [-1.0, -2.0])]).word, "too few seeds")

    def test_a_clear_effect_and_its_flip(self):
        d = [-0.30, -0.28, -0.33, -0.31, -0.29]
        self.assertEqual(judge(SUP, [Comparison("a", d)]).word, "supported")
        self.assertEqual(judge(SUP, [Comparison("a", [-x for x in d])]).word, "contradicted")

    def test_descriptive_comparisons_do_not_decide(self):
        d = [-0.30, -0.28, -0.33, -0.31, -0.29]
        v = judge(SUP, [Comparison("a", d), Comparison("b", [0.3, 0.31, 0.29, 0.33, 0.3], primary=False)])
        self.assertEqual(v.word, "supported")
        self.assertTrue(any("descriptive" in line for line in v.lines))

    def test_inconclusive_says_what_would_decide_it(self):
        v = judge(SUP, [Comparison("a", [-0.1, 0.05, -0.12, 0.02])])
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("seeds at this effect size", v.decided)

    def test_equivalence_needs_the_interval_inside_the_margin(self):
        tight = [0.01, -0.01, 0.0, 0.005, -0.005]
        self.assertEqual(judge(EQ, [Comparison("a", tight)], 0.1).word, "supported")
        noisy = [0.3, -0.4, 0.2, -0.3, 0.1]  # not significant, and not equivalent either
        self.assertEqual(judge(EQ, [Comparison("a", noisy)], 0.1).word, "inconclusive")
        far = [1.0, 1.1, 0.9, 1.05, 0.95]
        self.assertEqual(judge(EQ, [Comparison("a", far)], 0.1).word, "contradicted")

    def test_trend_and_per_dataset_combination(self):
        rng = np.random.default_rng(5)
        x = [1.0, 3.0, 5.0]
        claim = Claim("t", "falls with d", "gap", "trend", "less")
        self.assertEqual(judge_trend(claim, x, -0.1 * np.array(x) + rng.normal(0, 0.01, (5, 3)), "log2 d").word,
                         "supported")
        self.assertEqual(judge_trend(claim, x, 0.1 * np.array(x) + rng.normal(0, 0.01, (5, 3)), "log2 d").word,
                         "contradicted")
        word, note = combine({"a": judge(SUP, [Comparison("c", [-1, -1.1, -0.9])]),
                              "b": judge(SUP, [Comparison("c", [0.1, -0.2, 0.05])])})
        self.assertEqual(word, "supported on 1 of 2")

    def test_rate_verdicts_and_their_flip(self):
        clean = [h ** 2 * (1 + 0.3 * h) for h in H]  # h² with a higher-order term, as a real sweep has
        v = judge_rate(RATE, H, clean, 0.1, "h")
        self.assertEqual(v.word, "supported", v.line())
        self.assertEqual(v.effect_name, "exponent")
        self.assertIn("predicted 2 ± 0.1", v.lines[0])
        linear = [h * (1 + 0.3 * h) for h in H]  # the same sweep at the wrong rate
        self.assertEqual(judge_rate(RATE, H, linear, 0.1, "h").word, "contradicted")
        # On the margin's edge, with scatter: the interval straddles 2.1.
        near = [h ** 2.1 * np.exp(r) for h, r in zip(H, (0.02, -0.02, 0.0, 0.02, -0.02))]
        self.assertEqual(judge_rate(RATE, H, near, 0.1, "h").word, "inconclusive")
        few = judge_rate(RATE, H[:2], clean[:2], 0.1, "h")
        self.assertEqual(few.word, "inconclusive")
        self.assertIn("needs 3", few.decided)
        with self.assertRaises(ValueError):
            judge_rate(RATE, H, clean, 0.0, "h")


if __name__ == "__main__":
    unittest.main()
