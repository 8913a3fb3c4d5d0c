"""Continual MaxSum/SumSelect, both routes (tree counters for √d, sparse vector for T^(1/3)):
errors within the stated bounds on planted streams, the bounds' formulas and growth, the budget
arithmetic of the drift plan, the automatic route choice, snapshots and bad input."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction

import numpy as np
import pytest

from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError
from onstream.privacy import ContinualMaxSum, drift_plan


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
        m = ContinualMaxSum(d, T, rho=rho, mechanism="binary", route="tree")
        s2 = math.ceil(Fraction(d * levels) / (2 * Fraction(rho)) * 2**20) / 2**20
        for t in (1, 7, 1024):
            want = math.sqrt(2 * bin(t).count("1") * s2 * math.log(2 * d / beta))
            assert m.error_bound(t, beta) == pytest.approx(want)
    small = ContinualMaxSum(4, T, rho=rho, route="tree")
    large = ContinualMaxSum(64, T, rho=rho, route="tree")
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


def _planted(T: int, d: int, seed: int) -> np.ndarray:  # noqa: N803 - the paper's name
    rng = np.random.default_rng(seed)
    rates = np.full(d, 0.05)
    rates[d // 2] = 0.6  # a planted leader
    return (rng.random((T, d)) < rates).astype(np.uint8)


@pytest.mark.parametrize(("horizon", "d"), [(2000, 50), (6000, 400), (20000, 20)])
def test_drift_route_stays_within_its_bound_at_every_step(horizon: int, d: int) -> None:
    T = horizon  # noqa: N806 - the paper's name
    rows = _planted(T, d, T + d)
    truth = rows.cumsum(axis=0)
    m = ContinualMaxSum(d, T, rho=0.5, route="drift", insecure_seed=d)
    maxsum, select = m.release(rows)
    u = m.error_bound(T, beta=0.05)
    top = truth.max(axis=1)
    # The bound holds at every step at once (not per step), for both outputs.
    assert np.all(np.abs(maxsum - top) <= u)
    assert np.all(top - truth[np.arange(T), select] <= u)
    assert not m.frozen
    # Its order: Θ(T^(1/3)) up to logarithms, so the bound over T^(1/3)·log(T)^(2/3) stays within
    # a constant band across horizons, and it does not depend on d beyond log d.
    assert 10 < u / (T ** (1 / 3) * math.log(T) ** (2 / 3)) < 60


def test_drift_plan_spends_exactly_the_budget_and_grows_as_t_to_the_third() -> None:
    for T in (10**3, 10**4, 10**5, 10**6):  # noqa: N806 - the paper's name
        p = drift_plan(100, T, Fraction(1, 2))
        spent = (3 * p.rounds + 1) * p.eps0**2 / 2
        assert spent <= Fraction(1, 2)
        assert spent > Fraction(1, 2) * (1 - 1e-6)  # rounded down by at most 2**-30 of ε₀
    b3, b6 = drift_plan(100, 10**3, Fraction(1)).bound, drift_plan(100, 10**6, Fraction(1)).bound
    # (10^6/10^3)^(1/3) = 10, times a log factor ((log 10^6 / log 10^3)^(2/3) ≈ 1.6).
    assert 8 < b6 / b3 < 25
    # Independent of d up to log d: 10^4 counters cost a few percent more than 10.
    assert (
        drift_plan(10**4, 10**5, Fraction(1)).bound < 1.2 * drift_plan(10, 10**5, Fraction(1)).bound
    )


def test_auto_takes_the_route_with_the_smaller_bound() -> None:
    few = ContinualMaxSum(10, 10_000, rho=1.0)
    many = ContinualMaxSum(100_000, 10_000, rho=1.0)
    assert few.route == "tree"
    assert many.route == "drift"
    tree_many = ContinualMaxSum(100_000, 10_000, rho=1.0, route="tree")
    assert many.error_bound(10_000) < tree_many.error_bound(10_000)


def test_drift_route_pickles_its_released_state() -> None:
    rows = _planted(3000, 30, 1)
    m = ContinualMaxSum(30, 3000, rho=0.5, route="drift", insecure_seed=3)
    m.release(rows[:1500])
    restored = pickle.loads(pickle.dumps(m))
    assert restored.steps == 1500
    assert restored.route == "drift"
    assert restored.insecure
    a, _ = m.release(rows[1500:])
    b, _ = restored.release(rows[1500:])
    top = rows.cumsum(axis=0).max(axis=1)[1500:]
    for out in (a, b):
        assert np.all(np.abs(out - top) <= m.error_bound(3000))


def test_drift_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="invalid route"):
        ContinualMaxSum(3, 10, rho=1.0, route="svt")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="invalid beta"):
        ContinualMaxSum(3, 10, rho=1.0, beta=1.5)
    m = ContinualMaxSum(3, 10, rho=1.0, route="drift")
    with pytest.raises(OutOfRangeError, match="0/1"):
        m.release(np.full((2, 3), 2))
    with pytest.raises(ShapeMismatchError):
        m.release(np.zeros((2, 4), dtype=np.uint8))
