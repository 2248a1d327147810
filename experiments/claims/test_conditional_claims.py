"""Claims C1–C3 of the conditional block (conditional_claims.py) on synthetic /conditional tables: a
built-in effect SD < OT < I gives C1 and C2 supported, the same effect flipped gives contradicted,
γ = 0 comparisons never decide C2, a missing role gives "not tested", and C3 (PSNR, higher is better) is
judged on super-resolution rows or says why it is not tested."""
import unittest

import numpy as np

from . import conditional_claims as cc

ROLES = {"I": "independent", "OT": "ot_small_batch", "SD": "sd"}


def table(effect, gamma0_effect=0.0, seeds=(0, 1, 2, 3, 4)):
    """Rows for one dataset: per-class W2 = base + rank·effect + jitter, rank I 2, OT 1, SD 0, at
    γ ∈ {0, 1, 2}, Euler NFE 1, 2, 4, 8; at γ = 0 the ranking carries `gamma0_effect` instead."""
    rng = np.random.default_rng(0)
    cols = {k: [] for k in ("dataset", "coupling", "seed", "guidance", "solver", "nfe", "w2_class")}
    for seed in seeds:
        for g in (0.0, 1.0, 2.0):
            for nfe in (1, 2, 4, 8):
                noise = rng.normal(0, 0.05)  # shared by the couplings of a seed: paired
                for label, rank in (("I", 2), ("OT", 1), ("SD", 0)):
                    e = gamma0_effect if g == 0 else effect
                    cols["dataset"].append("toy")
                    cols["coupling"].append(label)
                    cols["seed"].append(seed)
                    cols["guidance"].append(g)
                    cols["solver"].append("euler")
                    cols["nfe"].append(nfe)
                    cols["w2_class"].append(1.0 + noise + rank * e + rng.normal(0, 0.002))
    return cc.CondTable({k: np.array(v) for k, v in cols.items()})


def words(results):
    return {claim.id: word for claim, word, _, _ in results}


class ConditionalClaims(unittest.TestCase):
    def test_effect_supports_and_its_flip_contradicts(self):
        self.assertEqual(words(cc.judge_all(table(0.05), ROLES)), {"C1": "supported on 1 of 1", "C2": "supported on 1 of 1",
                                                                   "C3": "not tested"})
        flipped = cc.judge_all(table(-0.05), ROLES)
        self.assertEqual(words(flipped)["C1"], "supported on 0 of 1")
        self.assertEqual(flipped[0][3]["toy"].word, "contradicted")
        self.assertEqual(flipped[1][3]["toy"].word, "contradicted")

    def test_unconditional_scale_does_not_decide(self):
        # SD much worse at γ = 0 only: descriptive, so C2 stays supported.
        r = cc.judge_all(table(0.05, gamma0_effect=-0.2), ROLES)
        self.assertEqual(r[1][3]["toy"].word, "supported")
        self.assertTrue(any("γ = 0" in line and "descriptive" in line for line in r[1][3]["toy"].lines))

    def test_no_effect_is_not_supported(self):
        v = cc.judge_all(table(0.0), ROLES)[0][3]["toy"]
        self.assertIn(v.word, ("inconclusive", "contradicted"))
        self.assertNotEqual(v.word, "supported")

    def test_missing_role_and_c3(self):
        r = cc.judge_all(table(0.05), {"I": "independent", "SD": "sd"})
        self.assertEqual(words(r), {"C1": "not tested", "C2": "not tested", "C3": "not tested"})
        self.assertIn("ot_small_batch", r[0][2])
        self.assertIn("super_resolution", r[2][2])

    def test_c3_on_super_resolution_rows(self):
        def sr(effect):
            rng = np.random.default_rng(1)
            cols = {k: [] for k in ("dataset", "coupling", "seed", "solver", "nfe", "psnr")}
            for seed in range(5):
                for nfe in (1, 2, 4):
                    noise = rng.normal(0, 0.3)
                    for label, rank in (("I", 0), ("OT", 1), ("SD", 2)):
                        for k, v in (("dataset", "digits 4x4"), ("coupling", label), ("seed", seed), ("solver", "euler"),
                                     ("nfe", nfe), ("psnr", 20 + noise + rank * effect + rng.normal(0, 0.01))):
                            cols[k].append(v)
            return {k: np.array(v) for k, v in cols.items()}
        roles = {"I": "independent", "OT": "ot_small_batch", "SD": "sd"}
        up = cc.judge_all(table(0.05), ROLES, sr(0.5), roles)[2]
        self.assertEqual(up[1], "supported on 1 of 1")
        down = cc.judge_all(table(0.05), ROLES, sr(-0.5), roles)[2]
        self.assertEqual(down[3]["digits 4x4"].word, "contradicted")


if __name__ == "__main__":
    unittest.main()
