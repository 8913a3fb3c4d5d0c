"""Tour: the build, the thread pool, and log-sum-exp on the CPU (and the GPU where there is one)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

from onstream.dense import logsumexp
from onstream.gpu import cupy_status
from onstream.info import build_info
from onstream.tour.registry import Section, TourContext


def _numpy_lse_rows(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    m = x.max(axis=1, keepdims=True)
    out: np.ndarray[Any, Any] = (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]
    return out


def _best_of(fn: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(ctx: TourContext) -> None:
    info = build_info()
    ctx.table(
        "This installation",
        pl.DataFrame({"item": list(info), "value": [str(v) for v in info.values()]}),
    )
    ctx.note(
        "Log-sum-exp of a Gibbs kernel -C/reg (squared distances between two clouds of 2-D points, "
        "the matrix log-domain Sinkhorn reduces at every step): onstream's Rust path against the "
        "NumPy formula, then the CUDA kernel where a GPU is present."
    )
    rng = np.random.default_rng(0)
    rows = []
    sizes = [250, 500, 1000, 2000]
    with ctx.progress("log-sum-exp timings", total=len(sizes)) as advance:
        for n in sizes:
            xs, ys = rng.random((n, 2)), rng.random((n, 2))
            cost = ((xs[:, None, :] - ys[None, :, :]) ** 2).sum(-1)
            k = -cost / 1e-3
            ours = logsumexp(k, axis=1, device="cpu")
            ref = _numpy_lse_rows(k)
            t_ours = _best_of(lambda k=k: logsumexp(k, axis=1, device="cpu"))
            t_ref = _best_of(lambda k=k: _numpy_lse_rows(k))
            rows.append(
                {
                    "n × n": f"{n} × {n}",
                    "onstream ms": 1e3 * t_ours,
                    "numpy ms": 1e3 * t_ref,
                    "speed-up": t_ref / t_ours,
                    "max |diff|": float(np.max(np.abs(ours - ref))),
                }
            )
            advance(1)
    frame = pl.DataFrame(rows)
    ctx.table("log-sum-exp per row, float64 (best of 3)", frame)

    usable, reason = cupy_status()
    if usable:
        k32 = k.astype(np.float32)
        gpu = logsumexp(k32, axis=1, device="cuda")
        cpu = logsumexp(k32, axis=1, device="cpu")
        err = float(np.max(np.abs(gpu - cpu) / (1 + np.abs(cpu))))
        ctx.note(f"GPU ({reason}): float32 kernel matches the CPU path to {err:.2e} (relative).")
    else:
        ctx.note(f"GPU check skipped: {reason}.")

    def draw(ax: Any) -> None:
        ax.plot(sizes, frame["onstream ms"], "o-", label="onstream (Rust, all threads)")
        ax.plot(sizes, frame["numpy ms"], "s--", label="NumPy formula")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (matrix is n × n)")
        ax.set_ylabel("milliseconds")
        ax.set_title("Row-wise log-sum-exp")
        ax.legend()

    ctx.plot("logsumexp.png", draw)


SECTION = Section(key="infrastructure", title="Infrastructure", order=0, run=run)
