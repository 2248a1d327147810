"""The report built from a real (tiny) SD-FM study output, and from the same output with one effect
flipped: the claim's verdict and its sentences must flip with the numbers (theory/claims.md §4-5).
Run by ctest with FMKIT_BIN_DIR set; the study takes a few seconds."""
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BIN = os.environ.get("FMKIT_BIN_DIR", os.path.join(ROOT, "build", "bin"))
WORDS = re.compile(r"\*\*(supported on \d+ of \d+|supported|contradicted|inconclusive|too few seeds|not tested)\*\*")

TINY = """{
  "seeds": [0, 1, 2],
  "train": {"steps": 150, "batch": 128, "hidden": [16, 16]},
  "eval": {"n": 200, "w2_n": 200, "euler": [1, 2, 4, 8, 16], "heun": [], "dopri5": true, "straightness_n": 50},
  "datasets": [
    {"name": "8gauss", "target": {"type": "toy2d", "name": "8gaussians"}, "n_train": 300, "n_test": 200},
    {"name": "G d=4", "target": {"type": "sphere_gmm", "components": 4, "dim": 4, "seed": 3}, "n_train": 300, "n_test": 200}],
  "couplings": [
    {"label": "I-FM", "role": "independent", "spec": {"type": "independent"}},
    {"label": "OT exact n=128", "role": "ot_small_batch", "spec": {"type": "exact_ot"}},
    {"label": "SD eps=0", "role": "sd", "spec": {"type": "semidiscrete", "target_chi2": 0.05, "steps": 3000}}],
  "oracle": {"datasets": []}
}"""


def report(d):
    return subprocess.run([sys.executable, "-m", "experiments.report", d, "quick"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def claim_row(text, claim_id):
    row = next(line for line in text.splitlines() if line.startswith(f"| {claim_id} "))
    return WORDS.search(row).group(1), row


class ReportFromStudy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fmkit_report_")
        cfg = os.path.join(cls.dir, "tiny.json")
        with open(cfg, "w") as f:
            f.write(TINY)
        subprocess.run([os.path.join(BIN, "fm-sdfm-study"), "--config", cfg, "--out", os.path.join(cls.dir, "sdfm.h5"),
                        "--threads", "1"], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def variant(self, name, shift):
        """A copy of the study whose SD W2 at every Euler NFE is OT's W2 plus `shift` (per seed, so the
        paired differences are exactly `shift` plus a small seed-dependent jitter), and OT's is I-FM's
        plus `shift`: claim 1's effect with the sign of `shift`."""
        d = os.path.join(self.dir, name)
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(self.dir, "sdfm.h5"), os.path.join(d, "sdfm.h5"))
        with h5py.File(os.path.join(d, "sdfm.h5"), "r+") as f:
            s = f["summary"]
            cp = s["coupling"][()].astype(str)
            ds, seed, solver, nfe = (s["dataset"][()].astype(str), s["seed"][()], s["solver"][()].astype(str),
                                     s["nfe"][()])
            w2 = s["w2"][()]
            key = {(ds[i], cp[i], seed[i], solver[i], nfe[i]): i for i in range(len(cp))}
            for i in range(len(cp)):
                if solver[i] != "euler" or cp[i] == "I-FM":
                    continue
                below = "I-FM" if cp[i] == "OT exact n=128" else "OT exact n=128"
                j = key[(ds[i], below, seed[i], solver[i], nfe[i])]
                base = w2[j] if below == "I-FM" else w2[key[(ds[i], "I-FM", seed[i], solver[i], nfe[i])]] + shift
                w2[i] = base + shift * (1 + 0.01 * seed[i])
            s["w2"][...] = w2
        return report(d)

    def test_every_claim_has_a_verdict_word_and_no_fixed_conclusion(self):
        text = report(self.dir)
        for cid in ("1", "2", "3a", "3b", "4", "5", "6", "7"):
            word, row = claim_row(text, cid)
            self.assertTrue(word, row)
        self.assertIn("Quick run: low power (3 seeds)", text)
        self.assertNotIn("holds", text.split("### The claims")[1].split("###")[0])
        # Every table cell is a number or says why it is not; the terms are defined up front.
        self.assertNotRegex(text, r"\|\s*[+-]?nan\s*\|")
        self.assertIn("## Terms", text.split("## Overview")[1][:4000])
        # Claims whose couplings this config does not run say so instead of guessing.
        self.assertEqual(claim_row(text, "4")[0], "not tested")

    def test_flipping_the_effect_flips_the_verdict_and_its_sentences(self):
        better, worse = self.variant("better", -0.5), self.variant("worse", +0.5)
        self.assertEqual(claim_row(better, "1")[0], "supported on 2 of 2")
        self.assertEqual(claim_row(worse, "1")[0], "supported on 0 of 2")
        self.assertIn("contradicted on 8gauss, G d=4", claim_row(worse, "1")[1])
        self.assertIn("no dataset contradicts it", claim_row(better, "1")[1])
        # The overview at the top carries the same verdict and an effect computed from the numbers.
        for text, word, sign in ((better, "supported on 2 of 2", "-"), (worse, "supported on 0 of 2", "+")):
            head = text.split("## Terms")[0]
            self.assertIn("## Overview", head)
            row = next(x for x in head.splitlines() if "| 1 low-NFE ranking" in x)
            self.assertIn(f"**{word}**", row)
            self.assertIn(f"d̄ from {sign}0.5", row)
        line_b = next(x for x in better.splitlines() if x.startswith("  - SD − OT(256), Euler 1:"))
        line_w = next(x for x in worse.splitlines() if x.startswith("  - SD − OT(256), Euler 1:"))
        self.assertIn("d̄ = -0.5", line_b)
        self.assertIn("d̄ = +0.5", line_w)



def section(text, heading):
    """The report's text from `### heading` to the next `###`."""
    return text.split("### " + heading)[1].split("###")[0]


def overview_row(text, claim):
    """The overview table's row of a claim."""
    return next(x for x in text.split("## Terms")[0].splitlines() if claim in x)


def kl_study_only(d, experiment, sets):
    """fm-kl-study's quick config with only `experiment` enabled and `sets` on top, into d/kl.h5."""
    args = [os.path.join(BIN, "fm-kl-study"), "--config", os.path.join(ROOT, "experiments", "configs", "kl_quick.json"),
            "--out", os.path.join(d, "kl.h5")]
    for e in ("e0", "e2a", "g0", "g2a", "e1", "e2b", "g1", "g2b"):
        if e != experiment:
            args += ["--set", f"{e}.enabled=false"]
    for s in sets:
        args += ["--set", s]
    subprocess.run(args, check=True, capture_output=True)


class KlE2aOnTheClosedForms(unittest.TestCase):
    """E2A rows are judged on their closed forms: the report's count, its sentence and the overview row
    follow the rows' exact verdicts, and the Monte-Carlo columns are shown as a check beside them."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fmkit_report_kl_")
        kl_study_only(cls.dir, "e2a", ["e2a.schedules=[\"a1\"]", "e2a.betas=[0.1]", "e2a.sine_betas=[0.05]",
                                       "e2a.n_kl=2000", "e2a.n_eps=512", "e2a.n_score=256"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_exact_verdict_decides_and_flips(self):
        text = report(self.dir)
        sec = section(text, "E2A")
        self.assertIn("judged on the closed forms", sec)
        self.assertIn("**satisfied in 2, violated in 0**", sec)
        self.assertIn("within 3 s.e. + 1e-5 (the CNF's accuracy) of the closed form in 2 of 2", sec)
        row = overview_row(text, "E2A: KL ≤ ε√S (closed forms)")
        self.assertIn("satisfied in 2 of 2, violated in 0", row)
        self.assertIn("where KL > 0", row)
        # The same file with one row's exact verdict flipped: the count, the sentence and the overview follow.
        d = os.path.join(self.dir, "flipped")
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(self.dir, "kl.h5"), os.path.join(d, "kl.h5"))
        with h5py.File(os.path.join(d, "kl.h5"), "r+") as f:
            v = f["summary/cs_verdict_exact"]
            exp = f["summary/experiment"][()].astype(str)
            vals = v[()].astype(str)
            vals[list(exp).index("E2A")] = "violated"
            v[...] = np.array(vals, dtype=v.dtype)
        flipped = report(d)
        self.assertIn("**satisfied in 1, violated in 1**", section(flipped, "E2A"))
        row = overview_row(flipped, "E2A: KL ≤ ε√S (closed forms)")
        self.assertIn("satisfied in 1 of 2, violated in 1", row)

class TvIntervalStability(unittest.TestCase):
    """The TV section's stability sentence is computed from /fit_stability: stable when the last
    repetitions move the width × √k by less than 25 %, not shown with a single k. An interval that
    narrows exactly like 1/√k is stable, though its raw width falls by 26 % from 5 to 8 repetitions."""

    def test_the_sentence_follows_the_widths(self):
        from experiments.report import tv
        shrinking = [0.3 / math.sqrt(k) for k in (3, 5, 8)]  # 0.173, 0.134, 0.106
        self.assertGreater(abs(shrinking[2] - shrinking[1]), 0.25 * shrinking[2])  # the raw width moves
        table = {"target": ["a"] * 3 + ["b"] * 3 + ["c"], "quantity": ["tv"] * 7, "reps_used": [3, 5, 8] * 2 + [3],
                 "width": shrinking + [0.05, 0.10, 0.20, 0.3]}
        text = tv.stability_reading((table, 0.0))
        self.assertIn("a k = 3: 0.173 (×√k 0.300), k = 5: 0.134 (×√k 0.300), k = 8: 0.106 (×√k 0.300)", text)
        self.assertIn("b k = 3: 0.050 (×√k 0.087), k = 5: 0.100 (×√k 0.224), k = 8: 0.200 (×√k 0.566)", text)
        self.assertIn("by less than 25%; the raw width narrows like 1/√k on its own) on 1 of 2: a.", text)
        self.assertIn("With 1 target(s) run at fewer than 5 repetitions", text)
        # 24 % and 26 % of the last scaled width either side of the threshold
        for moved, word in ((0.24, "on 1 of 1: a."), (0.26, "on 0 of 1.")):
            edge = {"target": ["a"] * 2, "quantity": ["tv"] * 2, "reps_used": [5, 8],
                    "width": [(1 - moved) / math.sqrt(5), 1 / math.sqrt(8)]}
            self.assertIn(word, tv.stability_reading((edge, 0.0)))
        # The widths of the raw-width rule's test: a's raw width moved 9 % from 5 to 8, but its width × √k
        # moved 28 % (the spread per repetition grew), so the scaled rule is not merely more lenient.
        old = {"target": ["a"] * 3 + ["b"] * 3 + ["c"], "quantity": ["tv"] * 7, "reps_used": [3, 5, 8] * 2 + [3],
               "width": [0.05, 0.20, 0.22, 0.05, 0.10, 0.20, 0.3]}
        text = tv.stability_reading((old, 0.0))
        self.assertIn("a k = 3: 0.050 (×√k 0.087), k = 5: 0.200 (×√k 0.447), k = 8: 0.220 (×√k 0.622)", text)
        self.assertIn("on its own) on 0 of 2.", text)
        self.assertIn("not shown", tv.stability_reading(None))


class TvRunTime(unittest.TestCase):
    """The TV section's run time is its units' wall times summed, not the file's root wall_time_s,
    which files finished before 2026-12-04 kept for their last stint only."""

    def test_the_units_are_summed(self):
        from experiments.report import tv
        self.assertEqual(tv.run_time({"wall_time_s": [1800.0, 2160.0, float("nan")]}, 100.0),
                         "1.1 h of run time summed over its units")
        self.assertEqual(tv.run_time({"wall_time_s": [200.0, 111.4]}, 100.0), "311 s of run time summed over its units")
        self.assertEqual(tv.run_time({}, 543.2), "543 s")


class KlIdentityOnTheEngine(unittest.TestCase):
    """G0's identity check is the claims engine's equivalence test on the Monte-Carlo batches the study
    writes: the verdict, the table and the overview follow the batches, and moving every batch's error
    by twice the margin turns "supported" into "contradicted"."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fmkit_report_kl_identity_")
        kl_study_only(cls.dir, "g0", ["g0.dims=[2]", "g0.grid=41", "g0.n=4000"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_batches_decide_and_the_verdict_flips(self):
        with h5py.File(os.path.join(self.dir, "kl.h5"), "r") as f:
            errors = f["g0/d2/batch_error"][()]
            err = f["summary/identity_err"][0]
            kl = f["summary/kl"][0]
        self.assertEqual(len(errors), 10)
        self.assertAlmostEqual(float(np.mean(errors)), float(err), places=12)  # the batches cover the draws
        text = report(self.dir)
        sec = section(text, "G0")
        self.assertIn("**supported on 1 of 1**", sec)
        self.assertIn("| gmm d=2 |", sec)
        self.assertIn("| supported |", sec)
        row = overview_row(text, "G0: the identity")
        self.assertIn("supported on 1 of 1", row)
        # Every batch's error moved by twice the margin: the whole interval leaves it.
        d = os.path.join(self.dir, "shifted")
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(self.dir, "kl.h5"), os.path.join(d, "kl.h5"))
        with h5py.File(os.path.join(d, "kl.h5"), "r+") as f:
            f["g0/d2/batch_error"][...] = errors + 2 * (0.10 * abs(kl) + 1e-5)
        shifted = report(d)
        self.assertIn("| contradicted |", section(shifted, "G0"))
        row = overview_row(shifted, "G0: the identity")
        self.assertIn("supported on 0 of 1", row)


if __name__ == "__main__":
    unittest.main()


class CommandLine(unittest.TestCase):
    """Bad arguments are one line on stderr and exit 2, before any file is read; both entry points
    (the package and the script the docs name) behave alike."""

    def run_report(self, entry, *args):
        return subprocess.run([sys.executable, *entry, *args], cwd=ROOT, capture_output=True, text=True)

    def test_bad_arguments_exit_two_with_one_line(self):
        empty = tempfile.mkdtemp(prefix="fmkit_report_cli_")
        try:
            for entry in (["-m", "experiments.report"], [os.path.join("experiments", "plot", "report.py")]):
                for args, says in (((), "RESULTS_DIR"), ((empty, "big"), "quick or paper"),
                                   ((os.path.join(empty, "absent"), "quick"), "not found")):
                    r = self.run_report(entry, *args)
                    self.assertEqual(r.returncode, 2, (entry, args, r.stderr))
                    self.assertEqual(r.stdout, "")
                    self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                    self.assertIn(says, r.stderr)
                # A directory with no study files is a report with no sections, not an error.
                r = self.run_report(entry, empty, "paper")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("Generated by `make reproduce-paper`", r.stdout)
        finally:
            shutil.rmtree(empty, ignore_errors=True)
