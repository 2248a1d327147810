#!/usr/bin/env python3
"""Plot an fm-sample run: samples coloured by CNF log q1, trajectories, and CNF vs exact log p1."""
import sys

import h5py
import numpy as np

import style

style.apply()
import matplotlib.pyplot as plt  # noqa: E402


def main(path, png):
    with h5py.File(path, "r") as f:
        x = f["samples"][...]
        traj = f["trajectories/x"][...] if "trajectories" in f else None
        logq = f["logprob/log_q"][...]
        logp = f["logprob/log_p_exact"][...]
        nfe = int(f["summary/nfe"][0])
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.8))
    sc = ax[0].scatter(x[:, 0], x[:, 1], c=logq, s=4, cmap="viridis")
    fig.colorbar(sc, ax=ax[0], label="CNF log q1")
    ax[0].set_title(f"samples (Dopri5, {nfe} NFE)")
    ax[0].set_aspect("equal")
    if traj is not None:
        for i in range(min(200, traj.shape[1])):
            ax[1].plot(traj[:, i, 0], traj[:, i, 1], lw=0.5, color="tab:blue", alpha=0.5, marker="", ls="-")
        ax[1].scatter(traj[0, :200, 0], traj[0, :200, 1], s=3, color="k", label="t = 0")
        ax[1].scatter(traj[-1, :200, 0], traj[-1, :200, 1], s=3, color="tab:red", label="t = 1")
        ax[1].legend(loc="upper right")
    ax[1].set_title("trajectories of the exact flow")
    ax[1].set_aspect("equal")
    ax[2].scatter(logp, logq - logp, s=3, marker="o")
    ax[2].axhline(0, color="k", lw=0.5)
    ax[2].set_xlabel("exact log p1(x)")
    ax[2].set_ylabel("CNF log q1(x) − exact log p1(x)")
    ax[2].set_title(f"max |error| = {np.max(np.abs(logq - logp)):.1e}")
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
