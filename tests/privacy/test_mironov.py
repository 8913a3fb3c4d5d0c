"""Mironov (CCS 2012): textbook floating-point Laplace noise has a porous support that depends on
the input, so some outputs reveal the input outright. Our noise is integer-valued with full
support, so every output is possible under every input.

The naive sampler below is the textbook one: u uniform on the 2^-53 grid in (0, 1], a fair sign,
noise = ±b·(−ln u). Its possible values form a sparse set of doubles, and membership of an output
in "input 0 + possible noise" is decidable exactly by inverting the logarithm."""

from __future__ import annotations

import numpy as np

from onstream.privacy import discrete_laplace

GRID = 2.0**-53


def _naive_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    k = rng.integers(1, 2**53, size=n, dtype=np.int64)
    sign = np.where(rng.integers(0, 2, size=n) == 1, 1.0, -1.0)
    return sign * -np.log(k.astype(np.float64) * GRID)


def _possible_under_zero(outputs: np.ndarray) -> np.ndarray:
    """Whether each output equals some value the naive sampler can return (input 0)."""
    mag = np.abs(outputs)
    centre = np.rint(np.exp(-mag) / GRID).astype(np.int64)
    ok = np.zeros(len(outputs), dtype=bool)
    for d in range(-3, 4):
        k = np.clip(centre + d, 1, 2**53 - 1)
        ok |= -np.log(k.astype(np.float64) * GRID) == mag
    return ok


def test_naive_float_laplace_reveals_the_input() -> None:
    rng = np.random.default_rng(0)
    from_zero = 0.0 + _naive_noise(rng, 50_000)
    from_one = 1.0 + _naive_noise(rng, 50_000)
    # The membership test is sound: every output of input 0 is recognised as possible...
    assert _possible_under_zero(from_zero).mean() > 0.999
    # ...and most outputs of input 1 (about 60%) are impossible under input 0: they identify it.
    assert _possible_under_zero(from_one).mean() < 0.5


def test_exact_integer_noise_reveals_nothing_beyond_its_epsilon() -> None:
    scale, n = 3.0, 400_000
    from_zero = 0 + discrete_laplace(scale, n, insecure_seed=3)
    from_one = 1 + discrete_laplace(scale, n, insecure_seed=4)
    values = np.arange(-25, 26)
    c0 = np.array([(from_zero == v).sum() for v in values], dtype=float)
    c1 = np.array([(from_one == v).sum() for v in values], dtype=float)
    # Same support: every output seen under one input is seen under the other.
    seen = (c0 > 0) | (c1 > 0)
    assert ((c0 > 0) == (c1 > 0))[seen].all()
    # And the likelihood ratio of each well-populated output is within exp(1/scale) = e^ε for
    # sensitivity 1, up to sampling error (5 relative standard errors).
    big = (c0 >= 2000) & (c1 >= 2000)
    assert big.sum() >= 15
    ratio = np.maximum(c1[big] / c0[big], c0[big] / c1[big])
    slack = 1 + 5 * np.sqrt(1 / c0[big] + 1 / c1[big])
    assert (ratio <= np.exp(1 / scale) * slack).all()
