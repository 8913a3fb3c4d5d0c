"""Entropic OT against the exact linear program, against POT, and on bad input."""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np
import pytest

import onstream
from onstream.exceptions import (
    EmptyInputError,
    InvalidParameterError,
    NonFiniteError,
    NumericalError,
    OutOfRangeError,
    ShapeMismatchError,
)
from onstream.ot import Method, SparsePlan, sinkhorn
from tests.transport.reference import clouds, exact_ot, random_weights, sq_cost

# POT, the reference solver; imported by name because mypy would resolve "ot" to onstream.ot.
pot: Any = importlib.import_module("ot")

METHODS: list[Method] = ["sinkhorn", "log", "sns"]
LOG_AND_SNS: list[Method] = ["log", "sns"]


def dense(plan: object) -> np.ndarray:
    return plan.toarray() if isinstance(plan, SparsePlan) else np.asarray(plan)


@pytest.mark.parametrize("method", ["log", "sns"])
def test_cost_approaches_the_linear_program_within_the_entropic_bound(method: Method) -> None:
    # 0 <= <C, P_reg> - OT <= reg * log(n m): P_reg beats P* on cost - reg * entropy, and the
    # entropy of a plan lies in [0, log(n m)].
    rng = np.random.default_rng(3)
    n, m = 9, 7
    c = rng.random((n, m))
    a, b = random_weights(n, 1), random_weights(m, 2)
    exact = exact_ot(a, b, c)
    gaps = []
    for reg in [1e-1, 1e-2, 1e-3]:
        res = sinkhorn(a, b, c, reg=reg, method=method, tol=1e-12)
        assert res.converged
        gap = res.cost - exact
        assert -1e-9 <= gap <= reg * math.log(n * m) + 1e-9, (reg, gap)
        gaps.append(gap)
    assert gaps[-1] < 1e-3
    assert gaps == sorted(gaps, reverse=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("reg", [1e-1, 1e-2])
def test_same_plan_as_pot(method: Method, reg: float) -> None:
    x, y = clouds(150, 120, seed=4)
    a, b = random_weights(150, 5), random_weights(120, 6)
    c = sq_cost(x, y)
    want = pot.sinkhorn(a, b, c, reg, stopThr=1e-13, numItermax=200_000)
    got = sinkhorn(a, b, c, reg=reg, method=method, tol=1e-11)
    assert got.converged
    assert got.marginal_error <= 1e-11
    np.testing.assert_allclose(dense(got.plan), want, atol=1e-11 * want.max() + 1e-14)
    assert got.cost == pytest.approx(float((want * c).sum()), rel=1e-9)
    if method != "sinkhorn":
        cloud = sinkhorn(a, b, x=x, y=y, reg=reg, method=method, tol=1e-11)
        np.testing.assert_allclose(dense(cloud.plan), want, atol=1e-11 * want.max() + 1e-14)


def test_marginal_error_is_what_the_plan_shows() -> None:
    x, y = clouds(80, 90, seed=8)
    for method in METHODS:
        res = sinkhorn(None, None, x=x, y=y, reg=1e-2, method=method, tol=1e-6)
        p = dense(res.plan)
        shown = max(np.abs(p.sum(1) - 1 / 80).sum(), np.abs(p.sum(0) - 1 / 90).sum())
        assert shown == pytest.approx(res.marginal_error, rel=1e-3, abs=1e-12)
        assert res.marginal_error <= 1e-6
        assert res.converged
        assert res.log.height == res.n_iter
        assert res.log["marginal_error"][-1] > res.marginal_error


def test_eps_scaling_reaches_the_same_fixed_point() -> None:
    x, y = clouds(100, 100, seed=9)
    plain = sinkhorn(None, None, x=x, y=y, reg=3e-3, tol=1e-10)
    scaled = sinkhorn(None, None, x=x, y=y, reg=3e-3, tol=1e-10, eps_scaling=0.5)
    assert "scaling" in scaled.log["stage"].to_list()
    np.testing.assert_allclose(scaled.dense_plan(), plain.dense_plan(), atol=1e-12)


def test_bakeries_and_cafes_approach_the_exact_costs() -> None:
    table = onstream.datasets.bakeries_cafes()
    src = table.filter(table["kind"] == "bakery")
    dst = table.filter(table["kind"] == "cafe")
    xs = src.select("x", "y").to_numpy()
    ys = dst.select("x", "y").to_numpy()
    a = src["mass"].to_numpy() / 441.0
    b = dst["mass"].to_numpy() / 441.0
    diff = xs[:, None, :] - ys[None, :, :]
    published = {  # shared/data/point_clouds/SOURCES.md, HiGHS on the unnormalized masses
        "euclidean": (np.sqrt((diff**2).sum(-1)), 61523.159712782486),
        "sqeuclidean": ((diff**2).sum(-1), 10838179.409852047),
        "cityblock": (np.abs(diff).sum(-1), 78182.33579594061),
    }
    for name, (c, want) in published.items():
        assert exact_ot(a, b, c) * 441 == pytest.approx(want, rel=1e-9), name
        reg = 1e-4 * float(c.max())
        res = sinkhorn(a, b, c, reg=reg, method="sns", tol=1e-12)
        gap = res.cost * 441 - want
        assert -1e-6 * want <= gap <= 441 * reg * math.log(40), name


def test_zero_weight_points_get_no_mass() -> None:
    x, y = clouds(30, 20, seed=10)
    a = random_weights(30, 11)
    a[[0, 7]] = 0.0
    a /= a.sum()
    b = random_weights(20, 12)
    b[5] = 0.0
    b /= b.sum()
    for method in METHODS:
        res = sinkhorn(a, b, sq_cost(x, y), reg=1e-2, method=method, tol=1e-11)
        p = dense(res.plan)
        assert p.shape == (30, 20)
        assert (p[[0, 7]] == 0).all()
        assert (p[:, 5] == 0).all()
        assert np.isneginf(res.f[[0, 7]]).all()
        assert np.isneginf(res.g[5])
        rows, cols = np.flatnonzero(a), np.flatnonzero(b)
        sub = sq_cost(x[rows], y[cols])
        want = pot.sinkhorn(a[rows], b[cols], sub, 1e-2, stopThr=1e-13, numItermax=100_000)
        np.testing.assert_allclose(p[np.ix_(rows, cols)], want, atol=1e-12)


def test_kernel_underflow_is_a_numerical_error_naming_the_log_method() -> None:
    x, y = clouds(50, 50, seed=13)
    with pytest.raises(NumericalError, match=r'use method="log"'):
        sinkhorn(None, None, sq_cost(x, y), reg=1e-4, method="sinkhorn")
    errors = {}
    for method in LOG_AND_SNS:
        res = sinkhorn(None, None, sq_cost(x, y), reg=1e-4, method=method, tol=1e-9, max_iter=500)
        assert np.isfinite(res.f).all()
        assert np.isfinite(res.dense_plan()).all()
        errors[method] = res.marginal_error
    # A near-permutation plan at reg = 1e-4 of the largest cost: slow for both (Newton's region
    # of fast convergence is about reg wide, so SNS mostly runs its Sinkhorn fallback), but
    # finite, and never worse than plain sweeps.
    assert errors["sns"] <= errors["log"]


def test_sparse_plan_views_agree() -> None:
    x, y = clouds(40, 30, seed=14)
    res = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns")
    plan = res.plan
    assert isinstance(plan, SparsePlan)
    assert 0 < plan.nnz < 40 * 30
    np.testing.assert_allclose(plan.to_scipy().toarray(), plan.toarray())
    frame = plan.to_polars()
    assert frame.columns == ["source", "target", "mass"]
    assert frame["mass"].sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(plan.toarray(), res.dense_plan(), atol=1e-12)


def test_bad_input_gets_clear_errors() -> None:
    c = np.ones((3, 4))
    a, b = np.full(3, 1 / 3), np.full(4, 0.25)
    with pytest.raises(InvalidParameterError, match="invalid reg"):
        sinkhorn(a, b, c, reg=0.0)
    with pytest.raises(InvalidParameterError, match="invalid reg"):
        sinkhorn(a, b, c, reg=-1.0)
    with pytest.raises(OutOfRangeError, match="negative weight"):
        sinkhorn(np.array([1.2, -0.1, -0.1]), b, c, reg=0.1)
    with pytest.raises(InvalidParameterError, match="summing to 1"):
        sinkhorn(np.array([1.0, 1.0, 1.0]), b, c, reg=0.1)
    with pytest.raises(ShapeMismatchError, match="a has 2 weights"):
        sinkhorn(np.array([0.5, 0.5]), b, c, reg=0.1)
    with pytest.raises(NonFiniteError, match="cost has NaN"):
        sinkhorn(a, b, np.where(np.eye(3, 4) > 0, np.nan, 1.0), reg=0.1)
    with pytest.raises(NonFiniteError):
        sinkhorn(a, b, np.full((3, 4), np.inf), reg=0.1)
    with pytest.raises(EmptyInputError):
        sinkhorn(None, None, np.ones((0, 4)), reg=0.1)
    with pytest.raises(InvalidParameterError, match="not both"):
        sinkhorn(a, b, c, x=np.ones((3, 2)), y=np.ones((4, 2)), reg=0.1)
    with pytest.raises(InvalidParameterError, match="missing cost"):
        sinkhorn(a, b, reg=0.1)
    with pytest.raises(ShapeMismatchError, match="dimension"):
        sinkhorn(a, b, x=np.ones((3, 2)), y=np.ones((4, 3)), reg=0.1)
    with pytest.raises(InvalidParameterError, match="invalid method"):
        sinkhorn(a, b, c, reg=0.1, method="emd")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="eps_scaling"):
        sinkhorn(a, b, c, reg=0.1, eps_scaling=1.5)
    with pytest.raises(InvalidParameterError, match="max_iter"):
        sinkhorn(a, b, c, reg=0.1, max_iter=0)
    with pytest.raises(InvalidParameterError, match="positive weight"):
        sinkhorn(np.zeros(3), b, c, reg=0.1)


def test_runs_are_deterministic() -> None:
    x, y = clouds(200, 150, seed=15)
    for method in LOG_AND_SNS:
        one = sinkhorn(None, None, x=x, y=y, reg=1e-3, method=method, tol=1e-8)
        two = sinkhorn(None, None, x=x, y=y, reg=1e-3, method=method, tol=1e-8)
        assert np.array_equal(one.f, two.f)
        assert np.array_equal(one.g, two.g)


def test_stored_and_fused_kernels_agree() -> None:
    # Schmitzer's stored, absorbed kernel and the fused exponential passes take the same sweeps.
    x, y = clouds(120, 90, seed=16)
    for method in LOG_AND_SNS:
        kw: dict[str, Any] = {"reg": 2e-3, "method": method, "tol": 1e-10}
        stored = sinkhorn(None, None, x=x, y=y, store_kernel=True, **kw)
        fused = sinkhorn(None, None, x=x, y=y, store_kernel=False, **kw)
        assert stored.converged
        assert fused.converged
        assert abs(stored.n_iter - fused.n_iter) <= 1
        np.testing.assert_allclose(stored.dense_plan(), fused.dense_plan(), atol=1e-11)
