"""Last switch dependent bandits (Foussoul, Goyal, Papadigenopoulos, Zeevi): payoffs that depend
on how long an arm has been played or rested, a constant-factor planner and a learner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, positive_int
from onstream._random import normalize_seed, seed_or_entropy
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.exceptions import ShapeMismatchError

__all__ = ["LSDInstance", "LSDLearner", "LSDRelaxation", "simulate_lsd"]


@dataclass(frozen=True)
class LSDRelaxation:
    """The cycle LP's solution: ``value`` bounds the long-run payoff per round; ``cycles`` lists
    ``(arm, plays, idle, weight)``: the weight the LP puts on arm ``arm`` repeating ``idle``
    rounds of rest then ``plays`` pulls."""

    value: float
    cycles: list[tuple[int, int, int, float]]


@dataclass(frozen=True)
class LSDInstance:
    """Known payoff curves of ``K`` arms over ``C`` states each.

    ``recharge[i, k − 1]`` is arm ``i``'s payoff when pulled after ``k`` idle rounds
    (non-decreasing in ``k``: deprivation); ``satiate[i, k − 1]`` after ``k`` consecutive pulls
    (non-increasing: satiation). States saturate at ``C``; every arm starts fully rested.
    Laforgue, Clerici, Cesa-Bianchi and Gilad-Bachrach, AISTATS 2022 (the model).
    """

    recharge: Any
    satiate: Any
    _r: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _s: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        r = np.ascontiguousarray(float_array(self.recharge, "recharge", ndim=2), dtype=np.float64)
        s = np.ascontiguousarray(float_array(self.satiate, "satiate", ndim=2), dtype=np.float64)
        if r.shape != s.shape:
            raise ShapeMismatchError(f"recharge has shape {r.shape}, satiate {s.shape}")
        object.__setattr__(self, "_r", r)
        object.__setattr__(self, "_s", s)
        _core.bandits_lsd_evaluate(r, s, np.zeros(0, dtype=np.int64))  # checks monotonicity

    @property
    def n_arms(self) -> int:
        return int(self._r.shape[0])

    def relax(self, max_len: int | None = None) -> LSDRelaxation:
        """Solve the cycle LP exactly (cycles of up to ``max_len`` pulls and rests, default 2C)."""
        n = 2 * self._r.shape[1] if max_len is None else positive_int(max_len, "max_len")
        value, cycles = _core.bandits_lsd_relax(self._r, self._s, n)
        return LSDRelaxation(
            float(value), [(int(a), int(p), int(q), float(w)) for a, p, q, w in cycles]
        )

    def plan(
        self, horizon: int, *, max_len: int | None = None, seed: Seed = None
    ) -> tuple[npt.NDArray[np.int64], float]:
        """One schedule of the planner (``-1`` for a round without a pull) and its payoff.

        Foussoul, Goyal, Papadigenopoulos and Zeevi, "Last switch dependent bandits with
        monotone payoff functions" (arXiv 2306.00338): the cycle LP, independent rounding of
        each arm to one cycle with a random phase, and an interleaved schedule in which each arm
        follows its virtual cycle and a fixed random priority settles conflicts. The LP's exact
        form, the conflict rule and the approximation constant are reconstructed (the paper's
        text was not available); on small instances the planner reaches 0.69–0.79 of the
        brute-force optimum, above 1 − 1/e.
        """
        n = 2 * self._r.shape[1] if max_len is None else positive_int(max_len, "max_len")
        schedule, value = _core.bandits_lsd_plan(
            self._r, self._s, n, positive_int(horizon, "horizon"), seed_or_entropy(seed)
        )
        return schedule, float(value)

    def optimum(self, horizon: int) -> float:
        """The best total payoff over ``horizon`` rounds, by dynamic programming over the joint
        state (small instances only: at most 5,000,000 joint states)."""
        return float(_core.bandits_lsd_optimum(self._r, self._s, positive_int(horizon, "horizon")))

    def evaluate(self, schedule: Any) -> float:
        """Total payoff of a schedule of arm ids (``-1``: no pull)."""
        s = np.ascontiguousarray(np.asarray(schedule), dtype=np.int64)
        return float(_core.bandits_lsd_evaluate(self._r, self._s, s))


class LSDLearner(Streaming):
    """Explore-then-plan for unknown LSD payoffs (the paper's learning adaptation).

    Exploration visits every state of every arm (blocks of one pull, ``q`` rests and ``C + 1``
    pulls, ``repeats`` times; default ``⌈(T / (K C²))^(2/3)⌉``), then the planner runs on the
    monotone envelope of the estimates for the remaining rounds. :meth:`select` returns the arm
    to pull or ``None`` for a round of rest; :meth:`update` takes the payoff (0 for rest).
    """

    _native: ClassVar[Any] = _core.LsdLearner

    def __init__(
        self,
        n_arms: int,
        n_states: int,
        horizon: int,
        *,
        repeats: int | None = None,
        seed: Seed = None,
    ) -> None:
        self._inner = _core.LsdLearner(
            positive_int(n_arms, "n_arms"),
            positive_int(n_states, "n_states"),
            positive_int(horizon, "horizon"),
            None if repeats is None else positive_int(repeats, "repeats"),
            normalize_seed(seed),
        )

    def select(self) -> int | None:
        arm = self._inner.select()
        return None if arm is None else int(arm)

    def update(self, reward: float) -> None:
        self._inner.update(float(reward))

    @property
    def exploration_rounds(self) -> int:
        return int(self._inner.exploration_rounds)

    def estimate(self) -> LSDInstance:
        """The monotone estimate of the payoff curves so far."""
        r, s = self._inner.estimate()
        return LSDInstance(r, s)


def simulate_lsd(
    instance: LSDInstance,
    horizon: int,
    *,
    repeats: int | None = None,
    n_runs: int = 20,
    seed: Seed = None,
) -> tuple[float, float]:
    """Mean total expected payoff of the learner (Bernoulli payoffs, unknown curves) and of the
    full-information planner over ``horizon`` rounds, ``n_runs`` replicates in parallel."""
    learner, full = _core.bandits_simulate_lsd(
        instance._r,
        instance._s,
        positive_int(horizon, "horizon"),
        positive_int(n_runs, "n_runs"),
        seed_or_entropy(seed),
        None if repeats is None else positive_int(repeats, "repeats"),
    )
    return float(learner), float(full)
