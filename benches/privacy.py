"""Bench: exact discrete Laplace and Gaussian noise, onstream against OpenDP (the exact-sampler
library a user would pick), and NumPy's float Laplace for scale (not exact, not safe: reference
only). Variances are printed so that the rows also check each other."""

from __future__ import annotations

import os
import sys
from functools import partial
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench, optional

from onstream.privacy import ContinualCounter, discrete_gaussian, discrete_laplace


def numpy_binary_mechanism(xs: np.ndarray[Any, Any], epsilon: float) -> np.ndarray[Any, Any]:
    """The binary tree mechanism vectorized with NumPy float Laplace noise, per level."""
    t = np.arange(1, len(xs) + 1)
    levels = (len(xs) - 1).bit_length() + 1
    out = np.cumsum(xs).astype(float)
    rng = np.random.default_rng()
    for level in range(levels):
        nodes = rng.laplace(0.0, levels / epsilon, size=(len(xs) >> level) + 1)
        on = (t >> level) & 1 == 1
        out[on] += nodes[t[on] >> level]
    return out


def counter_rows(bench: Bench, n: int) -> None:
    xs = (np.random.default_rng(0).random(n) < 0.1).astype(np.uint8)
    for mech in ("binary", "honaker"):

        def ours(mech: str = mech) -> None:
            ContinualCounter(n, mechanism=mech, epsilon=1.0).release(xs)  # type: ignore[arg-type]

        row = bench.compare(
            f"{n:,}-step continual count, {mech}",
            ours,
            "numpy binary (float)",
            partial(numpy_binary_mechanism, xs, 1.0),
            note="peer: float Laplace, not exact",
        )
        print(f"    -> onstream {n / row.ours_s / 1e6:.1f} M events/s")


def main() -> None:
    bench = Bench("privacy: exact noise samplers")
    bench.header()
    n = 100_000 if bench.quick else 1_000_000
    dp = optional("opendp.prelude")
    zeros = [0] * n
    if dp is not None:
        dp.enable_features("contrib")
        lap = dp.m.make_laplace(
            dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=1.0
        )
        gauss = dp.m.make_gaussian(
            dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int), scale=3.0
        )
        ours_var = float(np.var(discrete_laplace(1.0, n)))
        bench.compare(
            f"{n:,} discrete Laplace, scale 1",
            partial(discrete_laplace, 1.0, n),
            "opendp",
            partial(lap, zeros),
            note=f"var {ours_var:.3f} (exact 1.841)",
        )
        ours_var = float(np.var(discrete_gaussian(3.0, n)))
        bench.compare(
            f"{n:,} discrete Gaussian, sigma 3",
            partial(discrete_gaussian, 3.0, n),
            "opendp",
            partial(gauss, zeros),
            note=f"var {ours_var:.3f} (exact 9.000)",
        )
    else:
        print("opendp not installed: `make bench` installs requirements-bench.txt")
    rng = np.random.default_rng()
    bench.compare(
        f"{n:,} discrete Laplace, scale 1",
        partial(discrete_laplace, 1.0, n),
        "numpy float laplace",
        partial(rng.laplace, 0.0, 1.0, n),
        note="numpy's is neither discrete nor safe from Mironov's attack",
    )
    counter_rows(bench, n)
    bench.finish()


if __name__ == "__main__":
    main()
