"""Parallel replicated simulation of bandit policies, in Rust, returning regret curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from onstream import _core
from onstream._convert import positive_int
from onstream._random import seed_or_entropy
from onstream._typing import Seed
from onstream.bandits.env import Environment
from onstream.bandits.policy import Policy
from onstream.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["simulate"]


def simulate(
    policies: Policy | Sequence[Policy],
    env: Environment,
    horizon: int,
    *,
    n_runs: int = 100,
    seed: Seed = None,
    n_points: int = 100,
) -> pl.DataFrame:
    """Regret curves of ``n_runs`` replicates of each policy in ``env``, run in parallel in Rust.

    Each replicate starts from the policy's current state (usually fresh) with its own random
    streams; replicate ``r`` of every policy sees the same environment draws' stream, and the
    result does not depend on the number of threads. Returns a ``polars.DataFrame`` with columns
    ``policy``, ``run``, ``t`` and ``regret`` (pseudo-regret in stochastic environments, regret
    against the best fixed arm for :class:`~onstream.bandits.Adversarial`) at ``n_points``
    evenly spaced steps up to ``horizon``.
    """
    import polars as pl

    group = [policies] if isinstance(policies, Policy) else list(policies)
    if not group or not all(isinstance(p, Policy) for p in group):
        raise InvalidParameterError("policies must be a Policy or a non-empty list of them")
    if not isinstance(env, Environment):
        raise InvalidParameterError(f"env must be an onstream.bandits environment, got {env!r}")
    horizon = positive_int(horizon, "horizon")
    n_runs = positive_int(n_runs, "n_runs")
    n_points = positive_int(n_points, "n_points")
    base = seed_or_entropy(seed)
    checkpoints = np.unique(np.linspace(1, horizon, min(n_points, horizon)).round()).astype(
        np.uint64
    )
    kind, means, starts, sigma = env._native()
    frames = []
    for p in group:
        curves = _core.bandits_simulate(
            p._inner, kind, means, starts, sigma, horizon, n_runs, base, checkpoints
        )
        frames.append(
            pl.DataFrame(
                {
                    "policy": type(p).__name__,
                    "run": np.repeat(np.arange(n_runs, dtype=np.uint32), checkpoints.size),
                    "t": np.tile(checkpoints, n_runs),
                    "regret": curves.ravel(),
                }
            )
        )
    return pl.concat(frames)
