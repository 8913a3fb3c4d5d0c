"""Reservoir sampling against its closed-form law: each item kept with probability k/N."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from onstream.exceptions import DtypeError, InvalidParameterError
from onstream.stream import Reservoir


def test_inclusion_is_uniform_over_positions() -> None:
    # Over R seeds, position i's inclusion count is Binomial(R, k/N); the chi-square of the N
    # counts has N - 1 degrees of freedom (the total is fixed at R·k).
    k, n, runs = 20, 500, 4000
    items = np.arange(n, dtype=np.int64)
    counts = np.zeros(n)
    for seed in range(runs):
        r = Reservoir(k, seed=seed)
        r.push_many(items)
        counts[r.sample()] += 1
    p = k / n
    chi2 = float((((counts - runs * p) ** 2) / (runs * p * (1 - p))).sum())
    assert stats.chi2.sf(chi2, n - 1) > 1e-4, chi2


def test_pairs_are_included_as_often_as_sampling_without_replacement_says() -> None:
    # P(i and j both kept) = k(k-1) / (N(N-1)) for a uniform sample without replacement.
    k, n, runs = 5, 40, 20_000
    both = 0
    items = np.arange(n, dtype=np.int64)
    for seed in range(runs):
        r = Reservoir(k, seed=seed)
        r.push_many(items)
        s = set(r.sample().tolist())
        both += (0 in s) and (n - 1 in s)
    p = k * (k - 1) / (n * (n - 1))
    sd = np.sqrt(runs * p * (1 - p))
    assert abs(both - runs * p) < 5 * sd


def test_short_streams_keep_everything() -> None:
    r = Reservoir(10, seed=1)
    r.push_many([5, 6, 7])
    r.push(8)
    assert sorted(r.sample().tolist()) == [5, 6, 7, 8]
    assert r.seen == 4
    assert r.k == 10


def test_push_and_push_many_agree() -> None:
    a, b = Reservoir(7, seed=3), Reservoir(7, seed=3)
    items = np.arange(10_000, dtype=np.int64) * 7
    a.push_many(items)
    for x in items:
        b.push(int(x))
    assert a == b
    np.testing.assert_array_equal(a.sample(), b.sample())


def test_polars_input() -> None:
    a, b = Reservoir(3, seed=4), Reservoir(3, seed=4)
    a.push_many(pl.Series([1, 2, 3, 4, 5], dtype=pl.Int32))
    b.push_many(np.array([1, 2, 3, 4, 5]))
    assert a == b


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_bad_k(k: object) -> None:
    with pytest.raises(InvalidParameterError, match="invalid k"):
        Reservoir(k)  # type: ignore[arg-type]


def test_bad_items() -> None:
    r = Reservoir(3, seed=0)
    with pytest.raises(DtypeError, match="items has dtype float64, expected integers"):
        r.push_many(np.array([1.0, 2.0]))
    with pytest.raises(InvalidParameterError, match="invalid item"):
        r.push(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="invalid seed"):
        Reservoir(3, seed=-5)
