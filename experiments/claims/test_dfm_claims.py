"""The DFM rate claims (experiments/claims/dfm_claims.py) on synthetic study tables with known rates:
the right sweeps are fitted, on the right points, and a flipped rate flips the verdict and the
report's sentence. Run: python3 -m unittest experiments.claims.test_dfm_claims"""
import unittest

from experiments.claims import dfm_claims
from experiments.report.dfm import h_rate_reading

H = [0.125, 0.0625, 0.03125, 0.015625, 0.0078125]
EPS = [0.01, 0.02, 0.04, 0.08, 0.16]


def table(path_rate=1.0, marg_rate=2.0, eps_rate=2.0):
    """E1 sweeps of two families at their rates in h (with a higher-order term, as real sweeps have),
    and E2 shifts whose KL_marg grows like ε^eps_rate above the unshifted row; a cross-term shift
    (linear) that the ε claim must leave out."""
    rows = []
    for fam, s2 in (("A", 1.0), ("B", 2.0)):
        for h in H:
            rows.append(dict(experiment="E1", family=fam, sigma2=s2, h=h, perturbation="none", steps=round(1 / h),
                             eps2=0.0, kl_path=3 * h ** path_rate * (1 + h), kl_marg=0.5 * h ** marg_rate * (1 + h)))
    base = 1e-4
    rows.append(dict(experiment="E2", family="A", sigma2=1.0, h=1 / 64, perturbation="none", steps=64, eps2=0.0,
                     kl_path=0.01, kl_marg=base))
    for pert, rate in (("constant", eps_rate), ("time_local", eps_rate), ("linear", 1.0)):
        for e in EPS:
            rows.append(dict(experiment="E2", family="A", sigma2=1.0, h=1 / 64, perturbation=pert, steps=64,
                             eps2=e * e, kl_path=0.01 + e * e / 2, kl_marg=base + 0.2 * e ** rate * (1 + e)))
    return {k: [r[k] for r in rows] for k in rows[0]}


class DfmRates(unittest.TestCase):
    def test_sweeps_are_the_smallest_points_of_each_family(self):
        s = table()
        sweeps = dfm_claims.h_sweeps(s)
        self.assertEqual(list(sweeps), ["A, σ²=1", "B, σ²=2"])
        for rows in sweeps.values():
            self.assertEqual(sorted(s["h"][i] for i in rows), sorted(H)[:dfm_claims.FIT_POINTS])
        eps = dfm_claims.eps_sweeps(s)
        self.assertEqual(list(eps), ["A, constant, N=64", "A, time_local, N=64"])  # linear has cross terms
        e, delta = eps["A, constant, N=64"]
        self.assertEqual(len(e), dfm_claims.FIT_POINTS)
        self.assertAlmostEqual(e[0], 0.01, places=15)
        self.assertAlmostEqual(delta[0], 0.2 * 0.01 ** 2 * 1.01, places=15)

    def test_true_rates_are_supported_and_their_flip_contradicted(self):
        words = {c.id: w for c, w, _, _ in dfm_claims.judge_all(table())}
        self.assertEqual(words, {"R1": "supported on 2 of 2", "R2": "supported on 2 of 2", "R3": "supported on 2 of 2"})
        # KL_marg at the brackets' linear rate instead of h²: R2 flips, and so does the report's sentence.
        flipped = dfm_claims.judge_all(table(marg_rate=1.0))
        results = {c.id: (w, v) for c, w, _, v in flipped}
        self.assertEqual(results["R2"][0], "supported on 0 of 2")
        self.assertTrue(all(v.word == "contradicted" for v in results["R2"][1].values()))
        self.assertIn("faster than the brackets", h_rate_reading(dfm_claims.judge_all(table())))
        self.assertIn("does not establish", h_rate_reading(flipped))
        # KL_marg(ε) − KL_marg(0) linear in ε: R3 is contradicted on both shifts.
        r3 = {c.id: v for c, _, _, v in dfm_claims.judge_all(table(eps_rate=1.0))}["R3"]
        self.assertTrue(all(v.word == "contradicted" for v in r3.values()))

    def test_a_study_without_sweeps_is_not_tested(self):
        s = {k: [] for k in table()}
        self.assertEqual([w for _, w, _, _ in dfm_claims.judge_all(s)], ["not tested"] * 3)


if __name__ == "__main__":
    unittest.main()
