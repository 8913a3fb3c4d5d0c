"""Continual counts per group over a time-ordered polars DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from onstream._random import derive_seed, normalize_seed
from onstream.exceptions import InvalidParameterError, MissingValueError
from onstream.privacy.accounting import Budget
from onstream.privacy.counter import ContinualCounter

if TYPE_CHECKING:
    import polars as pl

__all__ = ["continual_counts"]


def continual_counts(
    frame: pl.DataFrame,
    *,
    by: str,
    event: str,
    epsilon: float | None = None,
    rho: float | None = None,
    mechanism: Literal["binary", "honaker"] = "honaker",
    insecure_seed: int | None = None,
    budget: Budget | None = None,
) -> pl.DataFrame:
    """The running count of ``event`` (a 0/1 or boolean column) within each group of ``by``,
    released at every row under differential privacy; rows are taken in the frame's order, so
    sort by time first.

    Each row is one step of its group's :class:`ContinualCounter` (horizon: the group's size).
    A row's event touches exactly one group's counter, so the counters compose in parallel and the
    whole release is ε-DP (or ρ-zCDP) at event level, the same parameter as one counter. Returns
    the frame with ``released`` (the noisy count so far in the row's group) and ``sd`` (its exact
    standard deviation).
    """
    import polars as pl

    for col in (by, event):
        if col not in frame.columns:
            raise InvalidParameterError(f"invalid column: {col!r} is not in {frame.columns}")
    if frame[event].null_count() or frame[by].null_count():
        raise MissingValueError(f"{by!r} or {event!r} has null values; fill or drop them first")
    if budget is not None:
        if epsilon is not None:
            budget.spend(epsilon=float(epsilon))
        elif rho is not None:
            budget.spend(rho=float(rho))
    seed = normalize_seed(insecure_seed, "insecure_seed")
    events = frame[event].cast(pl.UInt8, strict=False).to_numpy()
    codes = frame[by].rank("dense").cast(pl.Int64).to_numpy() - 1
    released = np.zeros(frame.height)
    sd = np.zeros(frame.height)
    for g in range(int(codes.max()) + 1 if frame.height else 0):
        rows = np.flatnonzero(codes == g)
        counter = ContinualCounter(
            len(rows),
            mechanism=mechanism,
            epsilon=epsilon,
            rho=rho,
            insecure_seed=derive_seed(seed, g),
        )
        released[rows] = counter.release(events[rows])
        sd[rows] = np.sqrt([counter.variance(t) for t in range(1, len(rows) + 1)])
    return frame.with_columns(released=pl.Series(released), sd=pl.Series(sd))
