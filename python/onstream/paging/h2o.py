"""H2O KV-cache eviction: recent tokens plus heavy hitters by accumulated attention, per head."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, int_at_least
from onstream._streaming import Streaming
from onstream.exceptions import InvalidParameterError, ShapeMismatchError

__all__ = ["H2OCache"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class H2OCache(Streaming):
    """The Heavy-Hitter Oracle's KV-cache policy, per attention head.

    Zhang et al., "H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language
    Models", NeurIPS 2023. Each head keeps its ``recent`` newest tokens plus the ``heavy`` older
    tokens with the largest accumulated attention (the column sums of every query row's attention
    weights so far); tokens beyond that budget are evicted for good.

    Drive it alongside a model: :meth:`append` the new tokens, compute attention over the kept
    tokens (:meth:`positions` says which, per head, oldest first), then :meth:`update` with that
    attention; it returns which of the kept tokens survive, to gather keys and values with.

    Parameters
    ----------
    heavy, recent:
        The two budgets, in tokens (``heavy + recent >= 1``).
    n_heads:
        Attention heads; each selects independently.
    variant:
        ``"topk"`` recomputes the top ``heavy`` scores each step (the authors' Hugging Face
        path); ``"argmin"`` evicts the lowest score outside the recent window one at a time (their
        FlexGen path). Both keep the same tokens (ties evict the older token); costs differ.
    """

    _native: ClassVar[Any] = _core.H2OCache

    def __init__(
        self,
        heavy: int,
        recent: int,
        *,
        n_heads: int = 1,
        variant: Literal["topk", "argmin"] = "topk",
    ) -> None:
        h, r = int_at_least(heavy, "heavy", 0), int_at_least(recent, "recent", 0)
        if h + r == 0:
            raise InvalidParameterError("invalid heavy + recent: got 0, expected a positive budget")
        self._inner = _core.H2OCache(int_at_least(n_heads, "n_heads", 1), h, r, str(variant))

    def append(self, n: int = 1) -> None:
        """Add ``n`` new tokens (the next positions) to every head."""
        self._inner.append(int_at_least(n, "n", 0))

    def update(self, attn: Any) -> npt.NDArray[np.bool_]:
        """Accumulate one step's attention and evict down to the budget.

        ``attn`` has shape ``(n_heads, queries, kept)`` (or ``(queries, kept)`` with one head):
        the new query rows' attention weights over the currently kept tokens, in
        :meth:`positions` order. Returns ``(n_heads, kept)`` flags of the tokens that stay.
        """
        if isinstance(attn, np.ndarray) and attn.dtype in _FLOATS:
            # Per-step hot path: the core checks finiteness itself, so skip the facade's scan.
            a = np.ascontiguousarray(attn)
        else:
            a = float_array(attn, "attn", ndim=None, dtypes=_FLOATS)
        if a.ndim == 2 and self.n_heads == 1:
            a = a[None]
        if a.ndim != 3 or a.shape[0] != self.n_heads or a.shape[2] != self.kept:
            raise ShapeMismatchError(
                f"shape mismatch for attn: got {a.shape}, expected "
                f"({self.n_heads}, queries, {self.kept})"
            )
        keep: npt.NDArray[np.bool_] = self._inner.update(a)
        return keep

    def positions(self) -> npt.NDArray[np.uint64]:
        """Kept token positions, ``(n_heads, kept)``, oldest first."""
        out: npt.NDArray[np.uint64] = self._inner.positions()
        return out

    def scores(self) -> npt.NDArray[np.float64]:
        """Accumulated attention of the kept tokens, aligned with :meth:`positions`."""
        out: npt.NDArray[np.float64] = self._inner.scores()
        return out

    @property
    def kept(self) -> int:
        """Tokens kept per head now."""
        return int(self._inner.kept)

    @property
    def n_heads(self) -> int:
        return int(self._inner.n_heads)

    def __repr__(self) -> str:
        return f"H2OCache(n_heads={self.n_heads}, kept={self.kept})"
