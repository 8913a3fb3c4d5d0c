"""Weighted tallying bandits: the environment against a hand computation, the eliminator's
regret against tally-blind UCB1 and its bound, the enforced schedule, snapshots."""

from __future__ import annotations

import math

import numpy as np
import pytest

import onstream.bandits as bd
from onstream.exceptions import InvalidParameterError, NonFiniteError, OutOfRangeError
from tests.streaming import assert_resumes

PRACTICE = bd.TallyingEnv(
    fresh=[0.6, 0.7, 0.9, 0.8], saturated=[0.35, 0.4, 0.1, 0.5], weights=[1.0] * 6
)


def _policy_regret_by_hand(env: bd.TallyingEnv, plays: list[int]) -> float:
    w = np.asarray(env.weights)
    total = 0.0
    for t, a in enumerate(plays):
        recent = plays[max(0, t - len(w)) : t][::-1]
        tally = sum(w[i] for i, b in enumerate(recent) if b == a)
        total += env.fresh[a] + (env.saturated[a] - env.fresh[a]) * tally / w.sum()
    best = int(np.argmin(env.saturated))
    comp = 0.0
    for t in range(len(plays)):
        tally = w[: min(t, len(w))].sum()
        comp += env.fresh[best] + (env.saturated[best] - env.fresh[best]) * tally / w.sum()
    return total - comp


def test_the_eliminator_beats_tally_blind_ucb1_within_its_bound() -> None:
    t = 50_000
    frame = bd.simulate_tallying(["eliminator", "ucb1"], PRACTICE, t, n_runs=12, seed=3)
    mean = {
        n: float(frame.filter(frame["learner"] == n)["policy_regret"].to_numpy().mean())
        for n in ("eliminator", "ucb1")
    }
    assert mean["eliminator"] < 0.8 * mean["ucb1"]
    assert frame.filter(frame["learner"] == "eliminator")["found_best"].all()
    k = 4
    bound = 8 * math.sqrt(k * t * math.log(2 * k * t / 0.01)) + (6 + 6) * k * 20
    assert mean["eliminator"] < bound


def test_a_driven_eliminator_matches_the_regret_computed_by_hand() -> None:
    rng = np.random.default_rng(0)
    alg = bd.TallyingEliminator(4, 3000, max_memory=6)
    plays: list[int] = []
    w = PRACTICE.weights
    for _ in range(3000):
        a = alg.select()
        recent = plays[-len(w) :][::-1]
        tally = sum(w[i] for i, b in enumerate(recent) if b == a)
        f = PRACTICE.fresh[a] + (PRACTICE.saturated[a] - PRACTICE.fresh[a]) * tally / sum(w)
        alg.update(a, float(rng.random() < f))
        plays.append(a)
    # Blocks: each action is played in runs of at least max_memory + 2 steps before elimination.
    runs = np.diff(np.flatnonzero(np.diff(plays) != 0))
    assert (runs >= 8).all()
    # Over 3,000 steps no action is eliminated yet, so the schedule is the same in every run:
    # the policy regret computed here from the tallies equals the Rust simulator's.
    sim = bd.simulate_tallying("eliminator", PRACTICE, 3000, max_memory=6, n_runs=4, seed=1)
    want = _policy_regret_by_hand(PRACTICE, plays)
    np.testing.assert_allclose(sim["policy_regret"].to_numpy(), want, rtol=1e-9)


def test_schedule_snapshots_and_bad_input() -> None:
    def feed(alg: bd.TallyingEliminator, t: int) -> int:
        a = alg.select()
        alg.update(a, float((t * 7919 + a) % 10 < 4))
        return a

    assert_resumes(
        lambda: bd.TallyingEliminator(3, 2000, max_memory=4),
        feed,
        list(range(600)),
        250,
        bd.TallyingEliminator.from_bytes,
    )
    alg = bd.TallyingEliminator(3, 100, max_memory=2)
    with pytest.raises(InvalidParameterError, match="scheduled"):
        alg.update((alg.select() + 1) % 3, 0.5)
    with pytest.raises(NonFiniteError):
        alg.update(alg.select(), float("nan"))
    with pytest.raises(InvalidParameterError):
        bd.TallyingEliminator(3, 100, max_memory=2, delta=1.5)
    with pytest.raises(OutOfRangeError):
        bd.simulate_tallying("eliminator", bd.TallyingEnv([1.2], [0.1], [1.0]), 10)
    with pytest.raises(InvalidParameterError, match="REO"):
        # Action 0's saturated loss is not below action 1's fresh loss: no REO action.
        bd.simulate_tallying("eliminator", bd.TallyingEnv([0.5, 0.1], [0.3, 0.9], [1.0]), 10)
