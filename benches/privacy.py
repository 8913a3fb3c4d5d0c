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


def _sqrt_coefficients(n: int) -> np.ndarray[Any, Any]:
    k = np.arange(1, n)
    out = np.ones(n)
    out[1:] = np.cumprod((2 * k - 1) / (2 * k))
    return out


def numpy_sqrt_mechanism(xs: np.ndarray[Any, Any], rho: float, band: int) -> Any:
    """What a SciPy user writes for the (banded) square-root mechanism: float Gaussian noise,
    L·z by FFT convolution (full root, L = M) or by ``lfilter`` (banded: L = A·C⁻¹)."""
    from scipy import signal

    f = _sqrt_coefficients(min(band, len(xs)))
    z = np.random.default_rng().normal(0.0, np.sqrt((f**2).sum() / (2 * rho)), len(xs))
    if band >= len(xs):
        noise = signal.fftconvolve(z, f)[: len(xs)]
    else:
        noise = np.cumsum(signal.lfilter([1.0], f, z))
    return np.cumsum(xs) + noise


def mean_variance(counter: ContinualCounter, n: int) -> float:
    ts = np.unique(np.linspace(1, n, 400).astype(int))
    return float(np.mean([counter.variance(int(t)) for t in ts]))


def factor_rows(bench: Bench, n: int) -> None:
    """Smooth binary and the square-root counters (ρ-zCDP, ρ = 1/2, so variances are in the
    notes' units): time per release and exact mean variance, against SciPy float versions."""
    xs = (np.random.default_rng(1).random(n) < 0.1).astype(np.uint8)
    cases: list[tuple[str, int, int | None]] = [
        ("smooth", n, None),
        ("banded_sqrt", n, 1024),
        ("sqrt", min(n, 1 << 14), None),
    ]
    for mech, size, band in cases:
        stream = xs[:size]
        width = band if band is not None else size

        def ours(
            mech: str = mech, size: int = size, stream: Any = stream, band: Any = band
        ) -> None:
            ContinualCounter(size, mechanism=mech, rho=0.5, band=band).release(stream)  # type: ignore[arg-type]

        var = mean_variance(ContinualCounter(size, mechanism=mech, rho=0.5, band=band), size)  # type: ignore[arg-type]
        binary = mean_variance(ContinualCounter(size, mechanism="binary", rho=0.5), size)
        row = bench.compare(
            f"{size:,}-step continual count, {mech}" + (f" (band {band})" if band else ""),
            ours,
            "scipy float sqrt" if mech != "smooth" else "numpy binary (float)",
            partial(numpy_sqrt_mechanism, stream, 0.5, width)
            if mech != "smooth"
            else partial(numpy_binary_mechanism, stream, 1.0),
            note=f"mean variance {var:.1f} (binary tree {binary:.1f}); peer: float noise",
        )
        print(f"    -> onstream {size / row.ours_s / 1e6:.2f} M events/s")


def load_diffprivlib() -> Any:
    """diffprivlib, or None. Its 0.6.6 release imports two dtype constants scikit-learn removed
    in 1.6 (for its random forest, which is not benchmarked here); defining them first, with
    their old values, lets the mechanisms load with a current scikit-learn."""
    tree = optional("sklearn.tree._tree")
    if tree is not None:
        for name, dtype in (("DOUBLE", np.float64), ("DTYPE", np.float32)):
            if not hasattr(tree, name):
                setattr(tree, name, dtype)
    return optional("diffprivlib.mechanisms")


def diffprivlib_rows(bench: Bench, n: int) -> None:
    """IBM's diffprivlib: per-value Python mechanisms (its API has no vectorized form)."""
    dpl = load_diffprivlib()
    if dpl is None:
        print("diffprivlib not installed: `make bench` installs requirements-bench.txt")
        return
    geo = dpl.Geometric(epsilon=1.0, sensitivity=1)
    bench.compare(
        f"{n:,} discrete Laplace, scale 1",
        partial(discrete_laplace, 1.0, n),
        "diffprivlib Geometric",
        lambda: [geo.randomise(0) for _ in range(n)],
        note="one Python call per value",
    )
    gauss = dpl.GaussianDiscrete(epsilon=1.0, delta=1e-6, sensitivity=1)
    sigma = float(gauss._scale)
    bench.compare(
        f"{n:,} discrete Gaussian, sigma {sigma:.3f}",
        partial(discrete_gaussian, sigma, n),
        "diffprivlib GaussianDiscrete",
        lambda: [gauss.randomise(0) for _ in range(n)],
        note="same sigma (diffprivlib's calibration of eps = 1, delta = 1e-6)",
    )


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
    diffprivlib_rows(bench, n // 10)
    counter_rows(bench, n)
    factor_rows(bench, n)
    bench.finish()


if __name__ == "__main__":
    main()
