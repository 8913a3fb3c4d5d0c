"""Groupwise regret (Acharya et al., ICLR 2024): the paper's qualitative claim on a synthetic
shape × colour setting, the single-group reduction, snapshots and input checks."""

from __future__ import annotations

import pickle

import numpy as np
import polars as pl
import pytest

import onstream.bandits as bd
from onstream.exceptions import DtypeError, EmptyInputError, NonFiniteError, ShapeMismatchError

SHAPES = ["circle", "square", "triangle"]
COLOURS = ["red", "green", "blue"]


def _synthetic(n: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Points with a shape and a colour; the label is linear in x with weights that depend on
    both, so no single linear model fits every group, and each group's own model is off by the
    other attribute's share. Labels are scaled into [0, 1]."""
    rng = np.random.default_rng(seed)
    d = 4
    x = rng.uniform(-1, 1, (n, d))
    x[:, 0] = 1.0  # intercept
    shape = rng.integers(0, 3, n)
    colour = rng.integers(0, 3, n)
    w_shape = rng.normal(0, 1, (3, d))
    w_colour = rng.normal(0, 0.3, (3, d))
    y = (x * (w_shape[shape] + w_colour[colour])).sum(axis=1) + rng.normal(0, 0.1, n)
    y = (y - y.min()) / (y.max() - y.min())
    frame = pl.DataFrame({"shape": np.array(SHAPES)[shape], "colour": np.array(COLOURS)[colour]})
    return frame, x, y


def test_groupwise_regret_is_lower_than_one_models_on_every_group() -> None:
    frame, x, y = _synthetic(20_000, 1)
    exprs = {s: pl.col("shape") == s for s in SHAPES} | {c: pl.col("colour") == c for c in COLOURS}
    names, groups = bd.group_matrix(frame, exprs)
    learner = bd.GroupwiseRegressor(x.shape[1], names)
    ours = learner.run(x, groups, y)
    baseline = bd.GroupwiseRegressor(x.shape[1], 0).run(x, np.zeros((len(y), 0), dtype=bool), y)
    a = bd.groupwise_regret(x, groups, y, ours, names=names)
    b = bd.groupwise_regret(x, groups, y, baseline, names=names)
    assert a["group"].to_list() == [*names, "always-on"]
    for ra, rb in zip(a.iter_rows(named=True), b.iter_rows(named=True), strict=True):
        assert ra["regret"] < rb["regret"], (ra, rb)
    # Against the best linear model per group, ours is within the O(sqrt(T_g log G)) term.
    for r in a.iter_rows(named=True):
        assert r["regret"] < 3 * np.sqrt(r["n"] * np.log(len(names) + 1)), r


def test_one_group_is_plain_online_ridge_and_weights_follow_membership() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([0.2, -0.1, 0.3]) + 0.5
    one = bd.GroupwiseRegressor(3, 0)
    preds = one.run(x, np.zeros((200, 0), dtype=bool), y)
    # Online ridge by hand: predict with (I + Σ x xᵀ)⁻¹ Σ y x, then absorb the point.
    a, b = np.eye(3), np.zeros(3)
    for t in range(200):
        assert preds[t] == pytest.approx(x[t] @ np.linalg.solve(a, b), abs=1e-10)
        a += np.outer(x[t], x[t])
        b += y[t] * x[t]
    two = bd.GroupwiseRegressor(3, ["left", "right"])
    w = two.weights(x[0], [True, False])
    assert w[1] == 0.0
    assert w.sum() == pytest.approx(1.0)


def test_groupwise_state_resumes_and_inputs_are_checked() -> None:
    frame, x, y = _synthetic(600, 3)
    names, groups = bd.group_matrix(frame, {s: pl.col("shape") == s for s in SHAPES})
    a = bd.GroupwiseRegressor(x.shape[1], names)
    a.run(x[:300], groups[:300], y[:300])
    b = pickle.loads(pickle.dumps(a))
    assert b.group_names == a.group_names
    np.testing.assert_array_equal(
        a.run(x[300:], groups[300:], y[300:]), b.run(x[300:], groups[300:], y[300:])
    )
    assert a.to_bytes() == b.to_bytes()
    with pytest.raises(ShapeMismatchError):
        a.run(x, groups[:10], y)
    with pytest.raises(NonFiniteError):
        a.update(np.array([1.0, np.nan, 0.0, 0.0]), [True, False, False], 0.5)
    with pytest.raises(DtypeError):
        a.run(x, groups.astype(int), y)
    c = bd.GroupwiseRegressor(x.shape[1], names, always_on=False)
    with pytest.raises(EmptyInputError):
        c.update(x[0], [False, False, False], 0.5)
    with pytest.raises(DtypeError):
        bd.group_matrix(frame, ["shape"])
