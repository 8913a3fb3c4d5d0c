"""A uniform fixed-size sample of a stream (Li's Algorithm L)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import int_array, positive_int
from onstream._random import normalize_seed
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError

__all__ = ["Reservoir"]


class Reservoir(Streaming):
    """A uniform random sample of ``k`` items from a stream of integers, in one pass.

    Algorithm L of Kim-Hung Li, "Reservoir-sampling algorithms of time complexity
    O(n(1 + log(N/n)))", ACM TOMS 20(4), 1994. After ``N`` items the sample is uniform without
    replacement: each item is kept with probability ``min(1, k/N)``. Skipped items cost no random
    numbers, so ``push_many`` over ``N`` items draws ``O(k(1 + log(N/k)))`` of them.

    Parameters
    ----------
    k:
        Sample size, a positive integer.
    seed:
        ``None`` for OS entropy, or an integer in ``[0, 2**64)`` for a reproducible run that is
        the same on every platform.

    The object pickles (``pickle``, :meth:`to_bytes`) mid-stream, and a restored copy continues
    exactly as the original would.
    """

    _native: ClassVar[Any] = _core.Reservoir

    def __init__(self, k: int, *, seed: Seed = None) -> None:
        self._inner = _core.Reservoir(positive_int(k, "k"), normalize_seed(seed))

    def push(self, item: int) -> None:
        """Offer one item."""
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise InvalidParameterError(f"invalid item: got {item!r}, expected an integer")
        self._inner.push(int(item))

    def push_many(self, items: Any) -> None:
        """Offer every item of a 1-D integer array, polars Series or sequence, in order."""
        self._inner.push_many(int_array(items, "items", allow_empty=True))

    def sample(self) -> npt.NDArray[np.int64]:
        """The current sample (``min(k, seen)`` items, in slot order, not stream order)."""
        out: npt.NDArray[np.int64] = self._inner.sample()
        return out

    @property
    def k(self) -> int:
        """The sample size."""
        return int(self._inner.capacity)

    @property
    def seen(self) -> int:
        """How many items have been offered."""
        return int(self._inner.seen)

    def __repr__(self) -> str:
        return f"Reservoir(k={self.k}, seen={self.seen})"
