"""LRU miss-ratio curves for every cache size in one pass."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from onstream import _core
from onstream.exceptions import InvalidParameterError
from onstream.paging.traces import as_trace

if TYPE_CHECKING:
    import polars as pl

__all__ = ["mrc"]


def mrc(trace: Any, sizes: Sequence[int] | None = None) -> pl.DataFrame:
    """LRU's miss ratio at every cache size, from one pass over ``trace``.

    Mattson, Gecsei, Slutz, Traiger, "Evaluation techniques for storage hierarchies", IBM Systems
    Journal 9(2), 1970: LRU is a stack algorithm, so a request hits in a cache of size k exactly
    when its stack distance is at most k. Distances are counted over marked request times with
    a tree of block counts, O(n log n), in two parts of the trace at once; the result equals a
    separate LRU simulation at every size (tested).

    Parameters
    ----------
    trace:
        Request ids (non-negative integers).
    sizes:
        The sizes to report; default every size from 1 to the number of distinct ids (beyond which
        only cold misses remain).

    Returns
    -------
    A DataFrame with ``size``, ``hits``, ``misses`` and ``miss_ratio``.
    """
    import polars as pl

    ids = as_trace(trace)
    hits_all = _core.paging_lru_hits_all_sizes(ids)
    m = len(hits_all)
    if sizes is None:
        ks = np.arange(1, m + 1, dtype=np.int64)
    else:
        ks = np.asarray(list(sizes), dtype=np.int64)
        if ks.size == 0 or (ks <= 0).any():
            raise InvalidParameterError(f"invalid sizes: got {list(sizes)}, expected positive ints")
    hits = hits_all[np.minimum(ks, m) - 1].astype(np.int64)
    n = len(ids)
    return pl.DataFrame({"size": ks, "hits": hits, "misses": n - hits}).with_columns(
        miss_ratio=pl.col("misses") / n
    )
