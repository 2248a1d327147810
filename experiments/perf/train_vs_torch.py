#!/usr/bin/env python3
"""Training steps/s: fmkit vs PyTorch on CPU, side by side, same MLP, optimiser and batch.

Both run one full FM training step per iteration: independent pairs N(0,I) -> N(1,I), t ~ U[0,1],
x_t = (1-t)x0 + t x1, input [x_t, 16-frequency sinusoidal embedding of t], three SiLU hidden
layers, per-coordinate MSE to x1 - x0, Adam(1e-3), weight EMA 0.999, batch 256; in float64 and in
float32 (fmkit's train.precision = float32: float32 passes, float64 weights/Adam/EMA; PyTorch: the
whole step in float32, what researchers run). PyTorch runs with OMP_WAIT_POLICY=PASSIVE (its threads
otherwise spin against each other).

Usage: /usr/bin/python3 experiments/perf/train_vs_torch.py BUILD_DIR  (prints a Markdown table)
"""
import json
import math
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

CASES = [(64, 2), (256, 2), (64, 64), (256, 64)]


def torch_steps_per_s(width, d, threads, dtype, seconds=3.0):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    freqs = torch.logspace(0, 2, 16, dtype=dtype)
    net = torch.nn.Sequential(
        torch.nn.Linear(d + 32, width), torch.nn.SiLU(),
        torch.nn.Linear(width, width), torch.nn.SiLU(),
        torch.nn.Linear(width, width), torch.nn.SiLU(),
        torch.nn.Linear(width, d)).to(dtype)
    ema = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    B = 256

    def step():
        x0 = torch.randn(B, d, dtype=dtype)
        x1 = torch.randn(B, d, dtype=dtype) + 1.0
        t = torch.rand(B, 1, dtype=dtype)
        xt = (1 - t) * x0 + t * x1
        w = 2 * math.pi * t * freqs
        inp = torch.cat([xt, torch.sin(w), torch.cos(w)], dim=1)
        loss = ((net(inp) - (x1 - x0)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, net.parameters()):
                e.mul_(0.999).add_(p, alpha=0.001)

    for _ in range(20):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return n / (time.perf_counter() - start)


def fmkit_results(build):
    out = subprocess.run([os.path.join(build, "bin", "bench_train"), "--benchmark_format=json",
                          "--benchmark_min_time=2", "--benchmark_filter=BM_TrainStep|BM_Dgemm|BM_Sgemm"], check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        res[b["name"].split("/real_time")[0]] = b
    return res


def main(build):
    fm = fmkit_results(build)
    peak = {"float64": fm["BM_Dgemm"]["GFLOP/s"], "float32": fm["BM_Sgemm"]["GFLOP/s"]}
    rows = []
    for precision, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        for threads in (1, 2):
            for width, d in CASES:
                f32 = int(precision == "float32")
                b = fm[f"BM_TrainStep/width:{width}/d:{d}/threads:{threads}/f32:{f32}"]
                ours = b["steps/s"]
                theirs = torch_steps_per_s(width, d, threads, dtype)
                frac = b["GFLOP/s"] / peak[precision]
                rows.append(f"| {precision} | 3×{width} | {d} | {threads} | {ours:,.0f} | {theirs:,.0f} | "
                            f"{ours / theirs:.2f}× | {b['GFLOP/s']:.1f} | {frac:.0%} |")
    print(f"One-core Eigen GEMM (1024³): DGEMM {peak['float64']:.1f} GFLOP/s, SGEMM {peak['float32']:.1f} GFLOP/s. "
          "fmkit trains single-threaded at every --threads (EIGEN_DONT_PARALLELIZE); PyTorch uses the stated "
          "thread count.\n")
    print("| precision | MLP | d | threads | fmkit steps/s | PyTorch steps/s | ratio | fmkit GFLOP/s (6·B·P) | "
          "of one-core GEMM peak (same precision) |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower()})
    print(f"\nPyTorch {torch.__version__}; BLAS loaded: {', '.join(blas) or 'none'}; "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build")
