"""A per-request cache for use inside programs."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import positive_int
from onstream._random import normalize_seed
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.paging.traces import as_trace

__all__ = ["Cache"]


class Cache(Streaming):
    """A unit-size cache of ``capacity`` keys under one eviction policy, one request at a time.

    ``access(key)`` serves a request and says whether it hit; ``access_many(keys)`` serves an array
    in one call (far faster than a Python loop). Keys are integers in ``[0, 2**64)``; memory follows
    the capacity, not the number of distinct keys. The object pickles mid-stream and a restored
    copy continues exactly as the original would.

    Policies: ``lru``, ``fifo``, ``clock``, ``lfu``, ``arc``, ``sieve``, ``marker`` (see
    :mod:`onstream.paging`). ``lfd`` needs the future and is only offered by :func:`simulate`.

    Parameters
    ----------
    policy:
        The policy's name.
    capacity:
        How many keys fit.
    seed:
        For ``marker``: ``None`` for OS entropy, or an int for a reproducible run.
    """

    _native: ClassVar[Any] = _core.Cache

    def __init__(self, policy: str, capacity: int, *, seed: Seed = None) -> None:
        self._inner = _core.Cache(
            str(policy), positive_int(capacity, "capacity"), normalize_seed(seed)
        )

    def access(self, key: int) -> bool:
        """Serve one request for ``key``; True on a hit (a miss admits the key)."""
        hit: bool = self._inner.access(key)
        return hit

    def access_many(self, keys: Any) -> npt.NDArray[np.bool_]:
        """Serve every key of an array, Series or sequence in order; per-request hit flags."""
        out: npt.NDArray[np.bool_] = self._inner.access_many(as_trace(keys))
        return out

    @property
    def policy(self) -> str:
        return str(self._inner.policy)

    @property
    def capacity(self) -> int:
        return int(self._inner.capacity)

    @property
    def hits(self) -> int:
        return int(self._inner.hits)

    @property
    def misses(self) -> int:
        return int(self._inner.misses)

    def __len__(self) -> int:
        return len(self._inner)

    def __repr__(self) -> str:
        return (
            f"Cache({self.policy!r}, capacity={self.capacity}, resident={len(self)}, "
            f"hits={self.hits}, misses={self.misses})"
        )
