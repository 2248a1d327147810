"""A trained fmkit velocity MLP in plain numpy, from its run file (docs/hdf5.md, "Loading a model
elsewhere"): the layout a PyTorch or JAX user needs to load fmkit weights, written out as code and
checked against fm-sample by test_interop.py.

    v = load_velocity("run.h5")          # the EMA weights; weights="raw" for the raw ones
    v(x, t)                              # x: (n, d), t: scalar or (n,) -> (n, d)

Unconditional one-time networks (objective fm, output velocity); a mean-flow, conditional or
drift network is refused rather than evaluated wrongly."""
import json

import h5py
import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


def activation(name):
    if name == "silu":
        return lambda a: a / (1.0 + np.exp(-a))
    if name == "tanh":
        return np.tanh
    if name == "softplus":
        return lambda a: np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))
    if name == "selu":
        return lambda a: SELU_LAMBDA * np.where(a > 0, a, SELU_ALPHA * (np.exp(np.minimum(a, 0.0)) - 1.0))
    raise ValueError(f"unknown activation {name!r}")


def time_features(emb, t):
    """Raw t, or the sinusoidal block [sin 2πf_j t]_j then [cos 2πf_j t]_j with k frequencies
    f_j = f_min (f_max/f_min)^(j/(k-1)) log-spaced in [f_min, f_max] (f_min alone when k = 1)."""
    t = np.asarray(t, dtype=float).reshape(-1, 1)
    if emb["type"] == "raw":
        return t
    k = emb["frequencies"]
    j = np.arange(k)
    f = np.full(k, float(emb["f_min"])) if k == 1 else emb["f_min"] * (emb["f_max"] / emb["f_min"]) ** (j / (k - 1))
    w = 2 * np.pi * f
    return np.hstack([np.sin(w * t), np.cos(w * t)])


def unpack(mlp, params):
    """The flat parameter vector as [(W_l, b_l)]: layer l's weight row-major (out_l, in_l), then its
    bias; in_0 = d + width of the time features."""
    emb = mlp["time_embedding"]
    width = 1 if emb["type"] == "raw" else 2 * emb["frequencies"]
    sizes = [mlp["dim"] + width] + list(mlp["hidden"]) + [mlp["dim"]]
    layers, at = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = params[at:at + n_out * n_in].reshape(n_out, n_in)
        at += n_out * n_in
        b = params[at:at + n_out]
        at += n_out
        layers.append((W, b))
    if at != params.size:
        raise ValueError(f"{params.size} parameters for a network of {at}")
    return layers


def load_velocity(path, weights="ema"):
    with h5py.File(path, "r") as f:
        spec = json.loads(f["/model/spec"][()])
        params = f["/runs/0/checkpoint/" + {"ema": "ema", "raw": "params"}[weights]][...]
    mlp = spec["mlp"]
    if spec.get("output", "velocity") != "velocity" or mlp.get("times", 1) != 1 or mlp.get("classes") or mlp.get("cond_dim"):
        raise ValueError(f"{path}: not an unconditional velocity network")
    layers, sigma = unpack(mlp, params), activation(mlp["activation"])

    def v(x, t):
        x = np.atleast_2d(np.asarray(x, dtype=float))
        t = np.broadcast_to(np.asarray(t, dtype=float), (x.shape[0],))
        z = np.hstack([x, time_features(mlp["time_embedding"], t)])
        for W, b in layers[:-1]:
            z = sigma(z @ W.T + b)
        W, b = layers[-1]
        return z @ W.T + b

    return v
