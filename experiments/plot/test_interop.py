"""fmkit's files in the tools researchers use: the numpy forward pass of mlp_numpy.py (the weight
layout and time embedding of docs/hdf5.md) against fm-sample's own Euler steps, and the pandas
loader of frames.py. Run by ctest with FMKIT_BIN_DIR set; a few seconds."""
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frames  # noqa: E402
import mlp_numpy  # noqa: E402

BIN = os.environ.get("FMKIT_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin"))


def fm(program, args, check=True):
    return subprocess.run([os.path.join(BIN, program)] + args, capture_output=True, text=True, check=check)


class MlpInNumpy(unittest.TestCase):
    def run_and_step(self, d, sets):
        run, traj = os.path.join(d, "run.h5"), os.path.join(d, "traj.h5")
        fm("fm-train", ["--set", "train.steps=60", "--set", "train.ema=0.9", "--threads", "1", "--out", run,
                        "--force"] + sum((["--set", s] for s in sets), []))
        fm("fm-sample", ["--model", run, "--n", "64", "--solver", "euler", "--nfe", "5", "--trajectories", "5",
                         "--seed", "4", "--out", traj, "--force"])
        with h5py.File(traj, "r") as f:
            x, t = f["/trajectories/x"][...], f["/trajectories/t"][...]
            for name in ("/samples", "/trajectories/x", "/trajectories/t"):  # arrays say what they hold
                self.assertTrue(f[name].attrs.get("description"), name)
            self.assertEqual(f["/samples"].attrs["units"], "data units")
        self.assertEqual(x.shape, (6, 64, 2))
        for weights in ("ema",):
            v = mlp_numpy.load_velocity(run, weights)
            for k in range(5):
                step = x[k] + (t[k + 1] - t[k]) * v(x[k], t[k])
                np.testing.assert_allclose(step, x[k + 1], rtol=0, atol=1e-10, err_msg=f"{sets} step {k}")
        # The raw weights differ from the EMA ones, so a loader that mixed them up would fail above.
        raw = mlp_numpy.load_velocity(run, "raw")
        self.assertGreater(np.abs(raw(x[0], 0.0) - v(x[0], 0.0)).max(), 1e-6)

    def test_default_network_matches_fm_sample(self):
        with tempfile.TemporaryDirectory() as d:
            self.run_and_step(d, [])

    def test_other_activation_and_embedding(self):
        with tempfile.TemporaryDirectory() as d:
            self.run_and_step(d, ["model.activation=tanh", "model.time_embedding.frequencies=3",
                                  "model.time_embedding.f_max=4", "model.hidden=[8,5]"])
        with tempfile.TemporaryDirectory() as d:
            self.run_and_step(d, ["model.activation=softplus", "model.time_embedding.type=raw"])

    def test_time_features_are_sines_then_cosines(self):
        emb = {"type": "sinusoidal", "frequencies": 3, "f_min": 1.0, "f_max": 4.0}
        f = mlp_numpy.time_features(emb, np.array([0.25]))
        np.testing.assert_allclose(f[0], [np.sin(np.pi / 2), np.sin(np.pi), np.sin(2 * np.pi),
                                          np.cos(np.pi / 2), np.cos(np.pi), np.cos(2 * np.pi)], atol=1e-15)


class TablesInPandas(unittest.TestCase):
    def test_summary_loads_with_its_types_and_exports_csv(self):
        with tempfile.TemporaryDirectory() as d:
            run = os.path.join(d, "run.h5")
            fm("fm-train", ["--set", "train.steps=20", "--threads", "1", "--out", run])
            df = frames.table(run)
            with h5py.File(run, "r") as f:  # every column says what it is
                for k in f["summary"]:
                    self.assertTrue(f["summary"][k].attrs.get("description"), k)
                    self.assertTrue(f["summary"][k].attrs.get("units"), k)
                self.assertEqual(f["summary/wall_time_s"].attrs["units"], "s")
            self.assertEqual(len(df), 1)
            self.assertEqual(df["steps"].dtype, np.int64)
            self.assertEqual(df["steps"][0], 20)
            self.assertIsInstance(df["status"][0], str)
            self.assertEqual(df["status"][0], "complete")
            with h5py.File(run, "r") as f:
                self.assertEqual(df["train_loss"][0], f["/summary/train_loss"][0])
            csv = os.path.join(d, "s.csv")
            r = subprocess.run([sys.executable, os.path.join(HERE, "frames.py"), run, "--csv", csv],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            import pandas as pd
            back = pd.read_csv(csv)
            self.assertEqual(list(back.columns), list(df.columns))
            self.assertEqual(back["steps"][0], 20)
            # An existing --csv is not overwritten; a missing table is named.
            r = subprocess.run([sys.executable, os.path.join(HERE, "frames.py"), run, "--csv", csv],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("exists", r.stderr)
            r = subprocess.run([sys.executable, os.path.join(HERE, "frames.py"), run, "--group", "fits"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("no table /fits", r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1)


if __name__ == "__main__":
    unittest.main()
