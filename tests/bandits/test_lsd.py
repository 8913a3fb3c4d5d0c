"""LSD bandits: the schedule evaluator by hand, the planner against the brute-force optimum,
the LP as an upper bound, the learner closing in on the full-information planner."""

from __future__ import annotations

import numpy as np
import pytest

import onstream.bandits as bd
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError
from tests.streaming import assert_resumes


def _instance(seed: int, k: int = 3, c: int = 4) -> bd.LSDInstance:
    rng = np.random.default_rng(seed)
    recharge = np.sort(rng.random((k, c)), axis=1)
    satiate = -np.sort(-rng.random((k, c)) * recharge[:, -1:], axis=1)
    return bd.LSDInstance(recharge, satiate)


def test_schedules_are_evaluated_by_the_state_rules() -> None:
    inst = bd.LSDInstance([[0.2, 0.5, 1.0]], [[0.9, 0.4, 0.1]])
    # Rested: 1.0; then satiation 0.9, 0.4; one idle round, then the 1-round recharge 0.2.
    assert inst.evaluate([0, 0, 0, -1, 0]) == pytest.approx(2.5)
    with pytest.raises(OutOfRangeError):
        inst.evaluate([1])


@pytest.mark.parametrize("seed", range(4))
def test_the_planner_reaches_a_constant_fraction_of_the_optimum(seed: int) -> None:
    inst = _instance(seed)
    horizon = 120
    opt = inst.optimum(horizon)
    lp = inst.relax()
    # The LP bounds the long-run optimum (plus the start, when every arm is fully rested).
    assert opt <= lp.value * horizon + inst.n_arms * 4
    values = [inst.plan(horizon, seed=s)[1] for s in range(300)]
    assert np.mean(values) >= 0.5 * opt
    # Each arm uses at most two cycles of total weight <= 1.
    for arm in range(inst.n_arms):
        w = [c[3] for c in lp.cycles if c[0] == arm]
        assert len(w) <= 2
        assert sum(w) <= 1 + 1e-12


def test_the_learner_closes_in_on_the_full_information_planner() -> None:
    inst = _instance(3)
    gaps = []
    for horizon in (2_000, 50_000):
        learner, full = bd.simulate_lsd(inst, horizon, n_runs=16, seed=1)
        gaps.append((full - learner) / horizon)
    assert gaps[1] < 0.5 * gaps[0]

    def feed(alg: bd.LSDLearner, t: int) -> object:
        arm = alg.select()
        alg.update(0.0 if arm is None else float((t * 31 + arm) % 3 == 0))
        return arm

    assert_resumes(
        lambda: bd.LSDLearner(3, 4, 500, seed=2),
        feed,
        list(range(500)),
        200,
        bd.LSDLearner.from_bytes,
    )


def test_bad_instances_are_refused() -> None:
    with pytest.raises(InvalidParameterError, match="monotone"):
        bd.LSDInstance([[0.5, 0.2]], [[0.1, 0.05]])
    with pytest.raises(ShapeMismatchError):
        bd.LSDInstance([[0.1, 0.2]], [[0.1]])
    with pytest.raises(InvalidParameterError):
        bd.LSDInstance([[0.1, 0.2]] * 12, [[0.1, 0.05]] * 12).optimum(10)  # 5^12 states
