"""The TV study's claim T1 (experiments/claims/tv_claims.py) on synthetic study tables with known
rates: per-repetition exponents over n ≥ n_min, paired FM against the KDE, and a flipped rate that
flips the verdict. Run: python3 -m unittest experiments.claims.test_tv_claims"""
import unittest

import numpy as np

from experiments.claims import tv_claims

NS = [256, 1024, 4096, 16384]


def table(r_fm, r_kde, reps=5, noise=0.01, seed=0):
    """One target; TV = c·n^−r·e^{noise·z} per (n, repetition) for FM and the KDE, and a floor row."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(reps):
        for n in NS:
            rows.append(dict(target="t", n=n, rep=rep, tv=0.5 * n ** -r_fm * np.exp(noise * rng.normal()),
                             kde_tv=0.7 * n ** -r_kde * np.exp(noise * rng.normal())))
    rows.append(dict(target="t", n=0, rep=0, tv=0.01, kde_tv=float("nan")))
    return {k: [r[k] for r in rows] for k in rows[0]}


class TvRateAgainstTheKde(unittest.TestCase):
    def test_per_repetition_exponents_use_only_n_at_or_above_n_min(self):
        s = table(0.3, 0.3, noise=0.0)
        s["tv"][0] = 1e6  # n = 256 of repetition 0: must not enter a fit from n_min = 1024
        rates = tv_claims.per_rep_rates(s, "t", "tv", 1024)
        self.assertEqual(sorted(rates), [0, 1, 2, 3, 4])
        for r in rates.values():
            self.assertAlmostEqual(r, 0.3, places=12)

    def test_equal_rates_are_supported_and_a_flip_contradicted(self):
        [(claim, word, _, verdicts)], means = tv_claims.judge_all(table(0.3, 0.3), 1024)
        self.assertEqual(word, "supported on 1 of 1")
        self.assertAlmostEqual(means["t"][0], 0.3, places=2)
        [(_, word, note, verdicts)], _ = tv_claims.judge_all(table(0.1, 0.3), 1024)  # FM stalls at its floor
        self.assertEqual(word, "supported on 0 of 1")
        self.assertEqual(verdicts["t"].word, "contradicted")
        self.assertIn("contradicted on t", note)
        self.assertLess(verdicts["t"].effect, -0.1)

    def test_a_target_at_its_floor_is_not_judged(self):
        s = table(0.3, 0.3)
        s["tv"][-1] = 0.02  # the floor: TV at n = 16384 is 0.5·16384^−0.3 ≈ 0.027, 1.36× of it
        [(_, word, note, verdicts)], _ = tv_claims.judge_all(s, 1024)
        v = verdicts["t"]
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("n = 16384 (1.36×)", v.decided)
        self.assertAlmostEqual(v.effect, 0.0, places=1)  # the effect and its interval are still printed
        self.assertEqual(word, "supported on 0 of 1")
        self.assertIn("not judged on t: at the training rule's floor", note)  # the summary says why
        # n = 1024 and 4096 clear it (0.5·4096^−0.3 ≈ 0.041 ≥ 1.5 × 0.02); only 16384 does not ...
        self.assertEqual([n for n, _ in tv_claims.at_floor(s, "t", 1024)], [16384])
        # ... and without any floor run nothing shows it is, so nothing is judged.
        s = table(0.3, 0.3)
        for k in s:
            s[k] = s[k][:-1]
        [(_, _, _, verdicts)], _ = tv_claims.judge_all(s, 1024)
        self.assertEqual(verdicts["t"].word, "inconclusive")
        self.assertIn("no floor run", verdicts["t"].decided)

    def test_a_scaled_rule_reads_each_n_against_its_own_floor(self):
        s = table(0.3, 0.3, noise=0.0)
        # floor_tv per row: the floor of the rule at that n; only n = 4096 sits within 1.5× of its own.
        s["floor_tv"] = [0.5 * n ** -0.3 / (1.2 if n == 4096 else 3.0) if n > 0 else float("nan") for n in s["n"]]
        s["tv"][-1] = 1.0  # the old single floor row would have put every n at the floor
        self.assertEqual([n for n, _ in tv_claims.at_floor(s, "t", 256)], [4096])
        self.assertEqual(tv_claims.at_floor(s, "t", 8192), [])

    def test_a_single_sample_size_is_not_tested(self):
        [(_, word, _, _)], _ = tv_claims.judge_all(table(0.3, 0.3), 16384)
        self.assertEqual(word, "not tested")


if __name__ == "__main__":
    unittest.main()
