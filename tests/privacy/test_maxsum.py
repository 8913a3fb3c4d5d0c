"""Continual MaxSum/SumSelect (√d route): errors within the stated bound on planted streams, the
bound's formula, and bad input."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction

import numpy as np
import pytest

from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError
from onstream.privacy import ContinualMaxSum


@pytest.mark.parametrize(("horizon", "d"), [(256, 4), (1000, 16), (3000, 64)])
def test_errors_within_the_bound_on_planted_streams(horizon: int, d: int) -> None:
    T = horizon  # noqa: N806 - the paper's name
    rng = np.random.default_rng(T + d)
    rates = np.full(d, 0.1)
    rates[d // 3] = 0.35  # a planted leader
    rows = (rng.random((T, d)) < rates).astype(np.uint8)
    truth = rows.cumsum(axis=0)
    m = ContinualMaxSum(d, T, rho=0.5, insecure_seed=d)
    maxsum, select = m.release(rows)
    bound = np.array([m.error_bound(t, beta=0.05) for t in range(1, T + 1)])
    err = np.abs(maxsum - truth.max(axis=1))
    assert (err <= bound).mean() >= 0.95
    gap = truth.max(axis=1) - truth[np.arange(T), select]
    assert (gap <= 2 * bound).mean() >= 0.95
    # Once the leader is ahead by more than 2u, SumSelect names it.
    late = slice(T // 2, None)
    ahead = truth[late].max(axis=1) - np.partition(truth[late], -2, axis=1)[:, -2] > 2 * bound[late]
    assert (select[late][ahead] == d // 3).all()


def test_error_bound_formula_and_sqrt_d_growth() -> None:
    T, rho, beta = 1024, 0.5, 0.01  # noqa: N806 - the paper's name
    levels = (T - 1).bit_length() + 1
    for d in (1, 16):
        m = ContinualMaxSum(d, T, rho=rho, mechanism="binary")
        s2 = math.ceil(Fraction(d * levels) / (2 * Fraction(rho)) * 2**20) / 2**20
        for t in (1, 7, 1024):
            want = math.sqrt(2 * bin(t).count("1") * s2 * math.log(2 * d / beta))
            assert m.error_bound(t, beta) == pytest.approx(want)
    small, large = ContinualMaxSum(4, T, rho=rho), ContinualMaxSum(64, T, rho=rho)
    ratio = large.error_bound(T) / small.error_bound(T)
    assert ratio == pytest.approx(
        4 * math.sqrt(math.log(128 / 0.05) / math.log(8 / 0.05)), rel=1e-3
    )


def test_pickles_counts_but_not_generators() -> None:
    rows = np.ones((6, 3), dtype=np.uint8)
    m = ContinualMaxSum(3, 12, rho=0.5, insecure_seed=2)  # sigma^2 = 15 per node: draws differ
    m.release(rows)
    restored = pickle.loads(pickle.dumps(m))
    assert restored.steps == 6
    assert restored.insecure
    a, _ = m.release(rows)
    b, _ = restored.release(rows)
    assert not np.array_equal(a, b)  # fresh noise after restore...
    assert np.all(
        np.abs(b - np.arange(7, 13)) <= [restored.error_bound(t, 1e-6) for t in range(7, 13)]
    )


def test_bad_input() -> None:
    m = ContinualMaxSum(3, 10, rho=1.0)
    with pytest.raises(ShapeMismatchError, match="expected d = 3"):
        m.release(np.zeros((2, 4), dtype=np.uint8))
    with pytest.raises(OutOfRangeError, match="0/1"):
        m.release(np.full((2, 3), 2))
    with pytest.raises(InvalidParameterError, match="invalid d"):
        ContinualMaxSum(0, 10, rho=1.0)
    with pytest.raises(InvalidParameterError, match="invalid rho"):
        ContinualMaxSum(2, 10, rho=-1.0)
    with pytest.raises(OutOfRangeError, match="t out of range"):
        m.error_bound(11)
