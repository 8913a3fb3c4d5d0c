"""Weighted tallying bandits (Malik, Igoe, Li, Singh, ICML 2023): losses that depend on how often
an action was played in the last ``m`` steps, learned by successive elimination in blocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from onstream import _core
from onstream._convert import float_array, int_at_least, positive_int
from onstream._random import seed_or_entropy
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["TallyingEliminator", "TallyingEnv", "simulate_tallying"]


class TallyingEliminator(Streaming):
    """Successive elimination with burn-in blocks for weighted tallying bandits.

    Malik, Igoe, Li and Singh, "Weighted tallying bandits", ICML 2023. Each round plays every
    surviving action ``max_memory`` times in a row (so its tally saturates; those losses are
    discarded), then ``2^r`` more times recording the losses, and drops the actions whose lower
    confidence bound exceeds the smallest upper one; one action left is played to the end.
    Complete policy regret ``Õ(sqrt(K T) + (m + M) K)`` under repeated exposure optimality.
    The round schedule and radius follow a reconstruction of the paper's algorithm (its text was
    not available to check the constants).

    The schedule is fixed in blocks: :meth:`update` must report the action :meth:`select` gave.
    """

    _native: ClassVar[Any] = _core.TallyingEliminator

    def __init__(self, n_arms: int, horizon: int, *, max_memory: int, delta: float = 0.01) -> None:
        if not 0 < delta < 1:
            raise InvalidParameterError(f"invalid delta: got {delta!r}, expected (0, 1)")
        self._inner = _core.TallyingEliminator(
            positive_int(n_arms, "n_arms"),
            positive_int(horizon, "horizon"),
            int_at_least(max_memory, "max_memory", 0),
            float(delta),
        )

    def select(self) -> int:
        """The action to play now."""
        return int(self._inner.select())

    def update(self, arm: int, loss: float) -> None:
        """Report the loss of the action just played."""
        self._inner.update(int(arm), float(loss))

    @property
    def active(self) -> list[int]:
        """Actions not yet eliminated."""
        return [int(a) for a in self._inner.active()]

    @property
    def steps(self) -> int:
        return int(self._inner.steps)


@dataclass(frozen=True)
class TallyingEnv:
    """Bernoulli losses ``f_a(s) = fresh[a] + (saturated[a] − fresh[a]) · s / Σw`` of the
    weighted tally ``s = Σ_i weights[i] · 1[a was played i + 1 steps ago]``."""

    fresh: Sequence[float]
    saturated: Sequence[float]
    weights: Sequence[float]

    def __post_init__(self) -> None:
        for name in ("fresh", "saturated", "weights"):
            float_array(getattr(self, name), name)


def simulate_tallying(
    learners: Literal["eliminator", "ucb1"] | Sequence[Literal["eliminator", "ucb1"]],
    env: TallyingEnv,
    horizon: int,
    *,
    max_memory: int | None = None,
    delta: float = 0.01,
    n_runs: int = 20,
    seed: Seed = None,
) -> pl.DataFrame:
    """Complete policy regret (expected loss minus that of repeating the optimal action) of
    replicates of each learner in ``env``: ``"eliminator"`` (the paper's, with
    ``max_memory`` defaulting to the true memory) or ``"ucb1"`` (blind to the tallies)."""
    import polars as pl

    names = [learners] if isinstance(learners, str) else list(learners)
    memory = len(env.weights) if max_memory is None else int_at_least(max_memory, "max_memory", 0)
    base = seed_or_entropy(seed)
    frames = []
    for name in names:
        d = _core.bandits_simulate_tallying(
            str(name),
            memory,
            float(delta),
            [float(v) for v in env.fresh],
            [float(v) for v in env.saturated],
            [float(v) for v in env.weights],
            positive_int(horizon, "horizon"),
            positive_int(n_runs, "n_runs"),
            base,
        )
        frames.append(
            pl.DataFrame(
                {
                    "learner": name,
                    "run": np.arange(d["policy_regret"].size, dtype=np.uint32),
                    "policy_regret": d["policy_regret"],
                    "found_best": d["found_best"],
                }
            )
        )
    return pl.concat(frames)
