"""Batch simulation of eviction policies over a trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import polars as pl

from onstream import _core
from onstream._convert import positive_int
from onstream._random import normalize_seed
from onstream.exceptions import InvalidParameterError
from onstream.paging.predictions import Predictions
from onstream.paging.traces import as_trace

__all__ = ["CLASSICAL", "POLICIES", "PREDICTIVE", "simulate"]

#: Policies that see only the keys (``lfd``, the offline optimum, also sees the future).
CLASSICAL: tuple[str, ...] = ("lru", "fifo", "clock", "lfu", "arc", "sieve", "marker", "lfd")

#: Learning-augmented policies and the prediction each reads:
#: ``discard``/``discard_random`` (+ ``_robust``): discard bits (Antoniadis et al., ICML 2023);
#: ``mark_predict``: phase bits (same paper); ``blind_oracle`` (+ ``_robust``): next-arrival times
#: (Wei, APPROX 2020); ``predictive_marker`` (Lykouris & Vassilvitskii, ICML 2018) and
#: ``lmarker`` (Rohatgi, SODA 2020): next-arrival times inside a marking algorithm;
#: ``lnonmarker`` (same paper): its non-marking companion, which may evict a page requested in
#: the phase after a prediction-led eviction proved wrong.
PREDICTIVE: tuple[str, ...] = (
    "discard",
    "discard_random",
    "discard_robust",
    "discard_random_robust",
    "mark_predict",
    "blind_oracle",
    "blind_oracle_robust",
    "predictive_marker",
    "lmarker",
    "lnonmarker",
)

#: Every policy name :func:`simulate` accepts (``belady`` and ``opt`` are aliases of ``lfd``).
POLICIES: tuple[str, ...] = CLASSICAL + PREDICTIVE


#: The result's columns.
_COLUMNS: dict[str, Any] = {
    "policy": pl.String, "size": pl.Int64, "requests": pl.Int64, "hits": pl.Int64,
    "misses": pl.Int64, "miss_ratio": pl.Float64, "eta0": pl.Int64, "eta1": pl.Int64,
    "l1_error": pl.Float64,
}  # fmt: skip
_SCHEMA = pl.Schema(_COLUMNS)


#: The native arguments when the caller gives no predictions (exact ones, generated from the
#: trace), checked once: they hold no array, so they do not depend on the trace.
_NO_PREDICTION_ARGS = Predictions().native_arguments(0)


def _sizes(sizes: int | Sequence[int]) -> list[int]:
    items = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
    if not items:
        raise InvalidParameterError("invalid sizes: got an empty list, expected cache sizes")
    return [positive_int(s, "size") for s in items]


def _policies(policies: str | Sequence[str]) -> list[str]:
    items = [policies] if isinstance(policies, str) else list(policies)
    if not items:
        raise InvalidParameterError("invalid policies: got an empty list, expected policy names")
    return [str(p) for p in items]


@overload
def simulate(
    trace: Any,
    policies: str | Sequence[str] = ...,
    sizes: int | Sequence[int] = ...,
    *,
    seed: int = ...,
    predictions: Predictions | None = ...,
    return_mask: Literal[False] = ...,
) -> pl.DataFrame: ...
@overload
def simulate(
    trace: Any,
    policies: str | Sequence[str] = ...,
    sizes: int | Sequence[int] = ...,
    *,
    seed: int = ...,
    predictions: Predictions | None = ...,
    return_mask: Literal[True],
) -> tuple[pl.DataFrame, npt.NDArray[np.bool_]]: ...
def simulate(
    trace: Any,
    policies: str | Sequence[str] = ("lru",),
    sizes: int | Sequence[int] = (1000,),
    *,
    seed: int = 0,
    predictions: Predictions | None = None,
    return_mask: bool = False,
) -> pl.DataFrame | tuple[pl.DataFrame, npt.NDArray[np.bool_]]:
    """Simulate unit-size caches: every policy at every size over ``trace``, in Rust.

    The (policy, size) cells run in parallel on onstream's thread pool with the GIL released
    (a single cell that needs no second thread runs on the calling thread); an ARC or LFD cell
    over at least 2**20 requests splits its trace between two threads when the pool has them
    (time partitioning: exactly the hits of one thread, close to twice as fast when the two
    halves' states meet early, as on skewed traces); next-use times are computed once for all
    cells. Ids no larger than a few times the trace's length (at most 4 M) are used as they
    are; other ids are renumbered once (or, for one LRU, FIFO or ARC cell, kept in a hash
    table), and when every policy needs only the keys the cells step through the renumbered
    trace piece by piece while the rest is renumbered on another thread. The results are the
    same on every path. Randomized policies (``marker``) draw from their own ChaCha stream per
    cell, derived from ``seed``, so a cell's result does not depend on the rest of the grid.

    Parameters
    ----------
    trace:
        Request ids (non-negative integers): NumPy, a polars Series or a sequence.
    policies:
        Names from :data:`POLICIES` (case-insensitive; ``belady``/``opt`` mean ``lfd``).
    sizes:
        Cache sizes in objects.
    seed:
        Seed of the randomized policies and of generated prediction noise.
    predictions:
        What the learning-augmented policies (:data:`PREDICTIVE`) are told; default: exact
        predictions generated from the trace (see :class:`Predictions`).
    return_mask:
        Also return a ``(cells, requests)`` boolean array of per-request hits, rows in the
        DataFrame's order.

    Returns
    -------
    A DataFrame with columns ``policy``, ``size``, ``requests``, ``hits``, ``misses``,
    ``miss_ratio``, one row per cell (policies outer, sizes inner), and the prediction errors the
    cell saw: ``eta0``/``eta1`` (wrong 0 and wrong 1 bits against the truth at that size) for the
    bit-predicted policies, ``l1_error`` for ``blind_oracle``; null elsewhere.
    """
    ids = as_trace(trace)
    n = len(ids)
    spec = _NO_PREDICTION_ARGS if predictions is None else predictions.native_arguments(n)
    rows, mask = _core.paging_simulate(
        ids, _policies(policies), _sizes(sizes), normalize_seed(seed) or 0, return_mask, **spec
    )
    # Built from the finished rows (no expression pass), as dicts with a Schema: with caches
    # cold, 30-36 us for one row, against 38-45 for the tuples with orient="row", 51-62 for
    # from_records and 135-150 for one list a column.
    frame = pl.from_dicts([dict(zip(_COLUMNS, row, strict=True)) for row in rows], schema=_SCHEMA)
    if mask is not None:
        return frame, mask
    return frame
