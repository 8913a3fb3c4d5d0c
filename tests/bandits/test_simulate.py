"""Parallel simulation: regret under the papers' bounds, reproducible, same as stepping by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import onstream.bandits as bd
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError

MEANS = np.array([0.9, 0.8, 0.7, 0.5, 0.3])


def _final(frame: pl.DataFrame, policy: str) -> float:
    last = frame.filter((pl.col("policy") == policy) & (pl.col("t") == frame["t"].max()))
    return float(last["regret"].to_numpy().mean())


def test_stochastic_regret_is_under_ucb1_and_moss_bounds() -> None:
    t = 20_000
    frame = bd.simulate(
        [bd.UCB1(5), bd.MOSS(5, horizon=t), bd.KLUCB(5), bd.ThompsonSampling(5)],
        bd.Bernoulli(MEANS),
        t,
        n_runs=30,
        seed=1,
    )
    assert frame.columns == ["policy", "run", "t", "regret"]
    assert frame.height == 4 * 30 * 100
    gaps = MEANS.max() - MEANS[MEANS.max() > MEANS]
    auer = float((8 * math.log(t) / gaps).sum() + (1 + math.pi**2 / 3) * gaps.sum())
    assert 0 < _final(frame, "UCB1") < auer
    assert _final(frame, "MOSS") < 49 * math.sqrt(t * 5)
    # The asymptotically optimal policies beat UCB1 on Bernoulli arms.
    assert _final(frame, "KLUCB") < _final(frame, "UCB1")
    assert _final(frame, "ThompsonSampling") < _final(frame, "UCB1")
    # Regret curves never decrease (pseudo-regret adds non-negative gaps).
    for _, g in frame.group_by(["policy", "run"]):
        assert (np.diff(g.sort("t")["regret"].to_numpy()) >= -1e-9).all()


def test_adversarial_regret_is_under_exp3_and_tsallis_bounds() -> None:
    rng = np.random.default_rng(3)
    t, k = 10_000, 3
    rewards = np.zeros((t, k))
    rewards[: t // 2, 0] = rng.random(t // 2) < 0.8
    rewards[t // 2 :, 1] = rng.random(t - t // 2) < 0.9
    rewards[:, 2] = rng.random(t) < 0.45
    frame = bd.simulate(
        [bd.EXP3(k), bd.TsallisINF(k)], bd.Adversarial(rewards), t, n_runs=10, seed=2
    )
    assert _final(frame, "EXP3") < 2 * math.sqrt(t * k * math.log(k))
    assert _final(frame, "TsallisINF") < 4 * math.sqrt(k * t) + 1


def test_simulation_is_reproducible_and_matches_stepping_by_hand() -> None:
    a = bd.simulate(bd.UCB1(5), bd.Bernoulli(MEANS), 500, n_runs=4, seed=7)
    b = bd.simulate(bd.UCB1(5), bd.Bernoulli(MEANS), 500, n_runs=4, seed=7)
    assert a.equals(b)
    # A deterministic policy in a deterministic environment: one run by hand gives the curve.
    rewards = np.tile(np.array([[0.2, 0.9, 0.4]]), (300, 1))
    frame = bd.simulate(bd.UCB1(3), bd.Adversarial(rewards), 300, n_runs=2, seed=0, n_points=300)
    p = bd.UCB1(3)
    earned = []
    for t in range(300):
        arm = p.select()
        p.update(arm, float(rewards[t, arm]))
        earned.append(rewards[t, arm])
    want = 0.9 * np.arange(1, 301) - np.cumsum(earned)
    got = frame.filter(pl.col("run") == 1)["regret"].to_numpy()
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_forgetting_policies_track_a_switch() -> None:
    env = bd.Switching([[0.9, 0.5], [0.1, 0.5]], starts=[0, 5000])
    frame = bd.simulate(
        [bd.UCB1(2), bd.SlidingWindowUCB(2, window=500), bd.DiscountedUCB(2, gamma=0.998)],
        env,
        10_000,
        n_runs=10,
        seed=4,
    )
    ucb = _final(frame, "UCB1")
    assert _final(frame, "SlidingWindowUCB") < 0.5 * ucb
    assert _final(frame, "DiscountedUCB") < 0.5 * ucb


def test_bad_simulation_input_gets_a_clear_error() -> None:
    with pytest.raises(InvalidParameterError):
        bd.simulate(bd.UCB1(3), bd.Bernoulli([0.1, 0.2, 0.3]), 0)
    with pytest.raises(InvalidParameterError):
        bd.simulate(bd.UCB1(3), bd.Bernoulli([0.1, 0.2, 0.3]), 10, n_runs=0)
    with pytest.raises(ShapeMismatchError):
        bd.simulate(bd.UCB1(2), bd.Bernoulli([0.1, 0.2, 0.3]), 10)
    with pytest.raises(OutOfRangeError):
        bd.Bernoulli([0.1, 1.2])
    with pytest.raises(InvalidParameterError):
        bd.simulate(bd.UCB1(2), bd.Adversarial(np.zeros((5, 2))), 10)
    with pytest.raises(InvalidParameterError):
        bd.simulate([], bd.Bernoulli([0.1]), 10)
    with pytest.raises(InvalidParameterError):
        bd.Switching([[0.1, 0.2], [0.3, 0.4]], starts=[1, 5])
    # Rewards outside [0, 1] for a policy that needs them: a clear error, not garbage.
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        bd.simulate(bd.UCB1(2), bd.Gaussian([0.1, 0.5], sigma=1.0), 100, n_runs=2)
