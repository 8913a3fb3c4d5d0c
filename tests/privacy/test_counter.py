"""Continual counters: exact variance against independent formulas and against simulation,
budget and input errors, snapshots that never carry the generator."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction
from typing import Literal

import numpy as np
import polars as pl
import pytest
from scipy import stats

from onstream.exceptions import BudgetExhaustedError, InvalidParameterError, OutOfRangeError
from onstream.privacy import ContinualCounter


def _laplace_scale(horizon: int, epsilon: float) -> float:
    levels = (horizon - 1).bit_length() + 1
    b = Fraction(levels) / Fraction(epsilon)
    return math.ceil(b * 2**20) / 2**20  # rounded up, as the counter promises


def _dgauss_var(sigma2: float) -> float:
    y = np.arange(-int(40 * math.sqrt(sigma2)) - 40, int(40 * math.sqrt(sigma2)) + 41)
    w = np.exp(-(y.astype(float) ** 2) / (2 * sigma2))
    return float((w * y**2).sum() / w.sum())


@pytest.mark.parametrize("horizon", [1, 7, 64, 1000])
def test_binary_variance_is_popcount_times_node_variance(horizon: int) -> None:
    c = ContinualCounter(horizon, mechanism="binary", epsilon=0.7)
    node = stats.dlaplace(1 / _laplace_scale(horizon, 0.7)).var()
    for t in {1, horizon // 2 or 1, horizon}:
        assert c.variance(t) == pytest.approx(bin(t).count("1") * node, rel=1e-12)


def test_honaker_variance_follows_its_recursion() -> None:
    horizon, rho = 256, 0.25
    c = ContinualCounter(horizon, mechanism="honaker", rho=rho)
    levels = (horizon - 1).bit_length() + 1
    v = _dgauss_var(math.ceil(Fraction(levels) / (2 * Fraction(rho)) * 2**20) / 2**20)
    per_level = [v]
    for _ in range(1, levels):
        per_level.append(1 / (1 / v + 1 / (2 * per_level[-1])))
    for t in (1, 2, 3, 100, 255, 256):
        want = sum(per_level[h] for h in range(levels) if t >> h & 1)
        assert c.variance(t) == pytest.approx(want, rel=1e-9)
    binary = ContinualCounter(horizon, mechanism="binary", rho=rho)

    def mean(k: ContinualCounter) -> float:
        return float(np.mean([k.variance(t) for t in range(1, horizon + 1)]))

    # Honaker's mean variance approaches half the binary mechanism's slowly: 0.600 at T = 256,
    # 0.55 at T = 2**16 (the notes' table of exact values).
    assert mean(c) < 0.61 * mean(binary)


@pytest.mark.parametrize("mechanism", ["binary", "honaker"])
def test_simulated_variance_matches(mechanism: Literal["binary", "honaker"]) -> None:
    horizon, runs = 32, 1500
    outs = np.array(
        [
            ContinualCounter(
                horizon,
                mechanism=mechanism,
                rho=0.5,
                insecure_seed=r,
            ).release(np.zeros(horizon, dtype=np.uint8))
            for r in range(runs)
        ]
    )
    c = ContinualCounter(horizon, mechanism=mechanism, rho=0.5)
    for t in (1, 3, 16, 31, 32):
        exact = c.variance(t)
        emp = float((outs[:, t - 1] ** 2).mean())
        # Relative sd of a variance estimate from n normal-ish draws: sqrt(2/n).
        assert abs(emp / exact - 1) < 6 * math.sqrt(2 / runs), (t, emp, exact)


def test_counts_track_the_truth_within_the_interval() -> None:
    rng = np.random.default_rng(3)
    xs = rng.random(2000) < 0.2
    truth = np.cumsum(xs)
    covered = 0
    for seed in range(40):
        c = ContinualCounter(2000, epsilon=1.0, insecure_seed=seed)
        out = c.release(pl.Series(xs))
        lo, hi = c.confidence_interval(float(out[-1]), level=0.95)
        covered += lo <= truth[-1] <= hi
    assert covered >= 32  # 95% nominal; binomial(40, 0.95) is below 33 with probability ~1%


def test_budget_inputs_and_parameters() -> None:
    c = ContinualCounter(3, epsilon=1.0)
    c.release([1, 0, 1])
    with pytest.raises(BudgetExhaustedError, match="horizon of 3"):
        c.step(1)
    with pytest.raises(OutOfRangeError, match="expected 0 or 1"):
        ContinualCounter(5, epsilon=1.0).step(2)
    with pytest.raises(OutOfRangeError, match="stream out of range at index 1"):
        ContinualCounter(5, epsilon=1.0).release([0, 3])
    with pytest.raises(InvalidParameterError, match="exactly one of epsilon"):
        ContinualCounter(5, epsilon=1.0, rho=1.0)
    with pytest.raises(InvalidParameterError, match="invalid epsilon"):
        ContinualCounter(5, epsilon=0.0)
    with pytest.raises(InvalidParameterError, match="invalid horizon"):
        ContinualCounter(0, rho=1.0)
    with pytest.raises(InvalidParameterError, match="invalid mechanism"):
        ContinualCounter(5, rho=1.0, mechanism="trinary")  # type: ignore[arg-type]


def test_snapshots_keep_counts_not_the_generator() -> None:
    xs = np.ones(64, dtype=np.uint8)
    c = ContinualCounter(64, rho=8.0, insecure_seed=1)
    c.release(xs[:40])
    restored = pickle.loads(pickle.dumps(c))
    assert restored.steps == 40
    assert restored.insecure  # the flag survives
    assert "INSECURE" in repr(restored)
    # Fresh noise after restore, around the right counts.
    a, b = c.release(xs[40:]), restored.release(xs[40:])
    assert not np.array_equal(a, b)
    assert abs(float(b[-1]) - 64) < 8 * math.sqrt(restored.variance())


def test_continual_counts_per_group_on_real_clicks() -> None:
    from onstream.datasets import obd_clicks
    from onstream.privacy import continual_counts

    frame = obd_clicks()
    out = continual_counts(frame, by="campaign", event="click", rho=2.0, insecure_seed=3)
    assert out.columns == [*frame.columns, "released", "sd"]
    truth = frame.with_columns(truth=pl.col("click").cast(pl.Int64).cum_sum().over("campaign"))[
        "truth"
    ].to_numpy()
    z = (out["released"].to_numpy() - truth) / out["sd"].to_numpy()
    # Standardized errors have sd ~1 (sums of independent discrete Gaussians) and mean 0. The
    # steps of one release share tree nodes, so their average is checked across independent
    # releases (a t-test over 20 seeds), not against 1/sqrt(steps).
    assert 0.8 < float(z.std()) < 1.2
    means = []
    for seed in range(20):
        again = continual_counts(frame, by="campaign", event="click", rho=2.0, insecure_seed=seed)
        err = again["released"].to_numpy() - truth
        means.append(float((err / again["sd"].to_numpy()).mean()))
    assert abs(np.mean(means)) < 6 * np.std(means, ddof=1) / math.sqrt(len(means))
    # Each group has its own counter: the last row of a group estimates that group's clicks.
    last = out.group_by("campaign").agg(
        pl.col("released").last(), pl.col("sd").last(), pl.col("click").sum()
    )
    for row in last.iter_rows(named=True):
        assert abs(row["released"] - row["click"]) < 6 * row["sd"]
    with pytest.raises(InvalidParameterError, match="invalid column"):
        continual_counts(frame, by="nope", event="click", epsilon=1.0)
