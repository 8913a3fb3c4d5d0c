"""Bench: the CUDA kernels of ``gpu/`` on one GPU, against what a CuPy user would write instead and
against onstream's own CPU path (all threads), in the same process. Exits 0 with a message on a
machine without a usable GPU.

Rows:

* row-wise log-sum-exp of a dense matrix: ``onstream.dense.logsumexp(device="cuda")`` against
  ``cupyx.scipy.special.logsumexp``;
* log-domain Sinkhorn sweeps on 2-D point clouds (the problem of ``benches/transport.py``):
  ours on the GPU with the cost computed on the fly, against a dense CuPy log-Sinkhorn (cost
  matrix divided by reg, then two ``logsumexp`` per sweep: what POT's ``sinkhorn_log`` does on the
  cupy backend) and against our CPU path;
* time to a marginal error on the GPU against the CPU, for "log" (1e-6) and "sns" (1e-9), and GPU
  SNS against GPU log to 1e-9;
* time per log-domain sweep at n = 10^4 and 10^5 against the memory-bandwidth bound of its two
  passes over a dense float64 cost (bandwidth measured by a device copy in the same run), and the
  same sweep on clouds with the cost computed on the fly.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench

from onstream.dense import logsumexp
from onstream.gpu import cupy_status
from onstream.ot import Method, sinkhorn


def synced(fn: Callable[[], Any]) -> Callable[[], Any]:
    import cupy

    def run() -> Any:
        out = fn()
        cupy.cuda.Device().synchronize()
        return out

    return run


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def clouds(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, 2)), rng.random((n, 2))
    both = np.concatenate([x, y])
    scale = float(np.sqrt(((both.max(0) - both.min(0)) ** 2).sum()))
    return x / scale, y / scale


def cupy_log_sinkhorn(x: Any, y: Any, reg: float, sweeps: int) -> Any:
    """Dense log-domain Sinkhorn in plain CuPy (uniform weights)."""
    import cupy
    from cupyx.scipy.special import logsumexp as lse

    n, m = x.shape[0], y.shape[0]
    m_over = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1) / reg
    la, lb = cupy.full(n, -np.log(n)), cupy.full(m, -np.log(m))
    f, g = cupy.zeros(n), cupy.zeros(m)
    for _ in range(sweeps):
        f = la - lse(g[None, :] - m_over, axis=1)
        g = lb - lse(f[:, None] - m_over, axis=0)
    return f


def main() -> None:
    bench = Bench("onstream GPU kernels against CuPy and the CPU path")
    usable, why = cupy_status()
    if not usable:
        print(f"# skipped: {why}")
        return
    import cupy
    from cupyx.scipy.special import logsumexp as cupy_lse

    print(f"# {why}")
    bench.header()
    bandwidth(bench)  # first: the figure the issue asks for, before anything can run out of time
    for dtype in (np.float32, np.float64):
        n = 4096 if bench.quick else 16384
        xd = cupy.asarray(np.random.default_rng(1).standard_normal((n, n)).astype(dtype))
        bench.compare(
            f"logsumexp rows {n}x{n} {np.dtype(dtype).name}",
            synced(partial(logsumexp, xd, axis=1, device="cuda")),
            "cupyx logsumexp",
            synced(partial(cupy_lse, xd, axis=1)),
        )
    sweeps = 10
    sizes = (2000,) if bench.quick else (2000, 20000)
    for n in sizes:
        x, y = clouds(n)
        xd, yd = cupy.asarray(x), cupy.asarray(y)
        for reg in (1e-2, 1e-3):
            ours = synced(
                partial(sinkhorn, None, None, x=xd, y=yd, reg=reg, method="log", tol=1e-300,
                        max_iter=sweeps, device="cuda")
            )  # fmt: skip
            case = f"n={n} reg={reg:g} {sweeps} log sweeps"
            bench.compare(case, ours, "CuPy dense log-Sinkhorn",
                          synced(partial(cupy_log_sinkhorn, xd, yd, reg, sweeps)))  # fmt: skip
            bench.compare(case, ours, "onstream CPU (fused, all threads)",
                          partial(sinkhorn, None, None, x=x, y=y, reg=reg, method="log",
                                  tol=1e-300, max_iter=sweeps, store_kernel=False))  # fmt: skip
    x, y = clouds(2000)
    xd, yd = cupy.asarray(x), cupy.asarray(y)
    for reg in (1e-2, 1e-3):
        cases: tuple[tuple[Method, float], ...] = (("log", 1e-6), ("sns", 1e-9))
        for method, tol in cases:
            gpu = sinkhorn(None, None, x=xd, y=yd, reg=reg, method=method, tol=tol,
                           max_iter=100_000, device="cuda")  # fmt: skip
            cpu = sinkhorn(None, None, x=x, y=y, reg=reg, method=method, tol=tol,
                           max_iter=100_000)  # fmt: skip
            bench.compare(
                f"n=2000 reg={reg:g} {method} to {tol:g}",
                synced(partial(sinkhorn, None, None, x=xd, y=yd, reg=reg, method=method, tol=tol,
                               max_iter=100_000, device="cuda")),
                f"onstream CPU {method}",
                partial(sinkhorn, None, None, x=x, y=y, reg=reg, method=method, tol=tol,
                        max_iter=100_000),
                note=f"GPU {gpu.n_iter} it ({gpu.newton_iter} Newton, {gpu.passes} passes), "
                f"CPU {cpu.n_iter} it ({cpu.newton_iter} Newton, {cpu.passes} passes)",
            )  # fmt: skip
        log9 = synced(partial(sinkhorn, None, None, x=xd, y=yd, reg=reg, method="log", tol=1e-9,
                              max_iter=100_000, device="cuda"))  # fmt: skip
        sns9 = synced(partial(sinkhorn, None, None, x=xd, y=yd, reg=reg, method="sns", tol=1e-9,
                              max_iter=100_000, device="cuda"))  # fmt: skip
        bench.compare(f"n=2000 reg={reg:g} GPU to 1e-9", sns9, "GPU log to 1e-9", log9,
                      note="ours = GPU sns")  # fmt: skip
    for n in () if bench.quick else (20000,):
        x, y = clouds(n)
        xd, yd = cupy.asarray(x), cupy.asarray(y)
        t_sns, run = timed(partial(sinkhorn, None, None, x=xd, y=yd, reg=1e-3, method="sns",
                                   tol=1e-9, device="cuda"))  # fmt: skip
        t_log, log = timed(partial(sinkhorn, None, None, x=xd, y=yd, reg=1e-3, method="log",
                                   tol=1e-9, device="cuda", max_iter=2_000))  # fmt: skip
        bench.record(
            f"n={n} reg=1e-3 GPU to 1e-9", t_sns, "GPU log to 1e-9", t_log,
            note=f"single runs; sns {run.n_iter} it ({run.newton_iter} Newton, {run.cg_iter} CG, "
            f"error {run.marginal_error:.1e}), log {log.n_iter} it (error "
            f"{log.marginal_error:.1e})",
        )  # fmt: skip
    bench.finish()


def event_median(fn: Callable[[], Any], runs: int = 5) -> float:
    """Median seconds of ``runs`` calls of ``fn`` after one warm-up, timed by CUDA events."""
    import cupy

    fn()
    times = []
    for _ in range(runs):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(float(cupy.cuda.get_elapsed_time(start, stop)) / 1e3)
    return float(np.median(times))


def copy_bandwidth() -> float:
    """Device memory bandwidth in bytes/s, measured by a 4 GiB device-to-device copy (bytes read
    plus bytes written over the median of five copies)."""
    import cupy

    src = cupy.zeros(2**29, dtype=cupy.float64)
    dst = cupy.empty_like(src)

    def copy() -> None:
        dst[...] = src

    return float(2 * src.nbytes) / event_median(copy)


def bandwidth(bench: Bench) -> None:
    """Time per log-domain sweep at n = 10^4 and 10^5 against the memory-bandwidth bound of its
    two passes over a dense float64 cost (n² · 8 bytes each), the cost built on the device (at
    10^5 it is 80 GB, so it never exists on the host); and the same sweep with the cost computed
    on the fly from 2-D clouds, which reads no matrix at all."""
    import cupy

    from onstream.ot._cuda import Device, Tally
    from onstream.ot._cuda_sinkhorn import sweeps

    bw = copy_bandwidth()
    print(f"# device-to-device copy: {bw / 1e12:.2f} TB/s")
    for n in (10_000,) if bench.quick else (10_000, 100_000):
        x, y = (cupy.asarray(v) for v in clouds(n))
        w = cupy.full(n, 1.0 / n)
        dense = cupy.empty((n, n))
        for i in range(0, n, 4096):  # row blocks: no n × n × d temporary
            dense[i : i + 4096] = ((x[i : i + 4096, None, :] - y[None, :, :]) ** 2).sum(-1)
        for label, dev in (
            ("dense cost", Device(w, w, cost=dense)),
            ("clouds", Device(w, w, x=x, y=y)),
        ):
            zeros = (cupy.zeros(n), cupy.zeros(n))
            runs = []
            for _ in range(3):
                cupy.cuda.Device().synchronize()
                t0 = time.perf_counter()
                sweeps(dev, *zeros, eps=1e-3, tol=0.0, until=10, scaling=None, stage="sinkhorn",
                       tally=Tally())  # fmt: skip
                cupy.cuda.Device().synchronize()
                runs.append((time.perf_counter() - t0) / 10)  # 10 sweeps, 1 final measure
            per = float(np.median(runs))
            bound = 2 * n * n * 8 / bw
            note = (f"{bound / per:.0%} of the bandwidth bound" if label == "dense cost"
                    else "no matrix read: compute-bound")  # fmt: skip
            bench.record(f"n={n} one log sweep, {label}", per, "bandwidth bound, 2 reads of n²·8 B",
                         bound, note=note)  # fmt: skip
            if label == "dense cost":
                h = cupy.asarray(np.random.default_rng(2).standard_normal(n) * 1e-3)
                for side, run in (("row", dev.lse_rows), ("column", dev.lse_cols)):
                    one = event_median(partial(run, h, 1e3))
                    bench.record(f"n={n} one {side} LSE pass, dense cost", one,
                                 "bandwidth bound, 1 read of n²·8 B", bound / 2,
                                 note=f"{bound / 2 / one:.0%} of the bound")  # fmt: skip
        del dense


if __name__ == "__main__":
    main()
