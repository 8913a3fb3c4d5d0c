"""Bench: log-sum-exp, onstream (Rust, all threads) against scipy.special.logsumexp."""

from __future__ import annotations

import os
import sys
from functools import partial

import numpy as np
from scipy.special import logsumexp as scipy_lse

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench

from onstream import _core
from onstream.dense import logsumexp


def main() -> None:
    bench = Bench("dense: log-sum-exp vs scipy.special.logsumexp")
    bench.header()
    print(f"# threads: {_core.pool_threads()}")
    rng = np.random.default_rng(0)
    shapes = (
        [(1000, 1000), (100_000, 10)]
        if bench.quick
        else [
            (1000, 1000),
            (4000, 4000),
            (100_000, 10),
            (10, 100_000),
        ]
    )
    for rows, cols in shapes:
        for dtype in (np.float64, np.float32):
            x = (rng.normal(size=(rows, cols)) * 30).astype(dtype)
            for axis in (1, 0):
                ours = logsumexp(x, axis=axis, device="cpu")
                ref = scipy_lse(x, axis=axis)
                err = float(np.max(np.abs(ours - ref)))
                bench.compare(
                    f"{rows}x{cols} {np.dtype(dtype).name} axis={axis}",
                    partial(logsumexp, x, axis=axis, device="cpu"),
                    "scipy",
                    partial(scipy_lse, x, axis=axis),
                    note=f"max|diff| {err:.1e}",
                )
    bench.finish()


if __name__ == "__main__":
    main()
