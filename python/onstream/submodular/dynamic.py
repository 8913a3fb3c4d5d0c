"""``DynamicMaximizer``: a summary maintained through insertions and deletions."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import index_array, positive_int
from onstream._random import seed_or_entropy
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError
from onstream.submodular.maximize import Selection
from onstream.submodular.objectives import Objective

__all__ = ["DynamicMaximizer", "DynamicMethod"]

DynamicMethod = Literal["dynamic", "lattanzi", "recompute"]


class DynamicMaximizer:
    """A set of at most ``k`` elements kept near-optimal while elements of ``objective`` are
    inserted and deleted (a sliding window over a stream, a catalogue that changes).

    ``method="dynamic"``: the fully dynamic algorithm of Banihashem, Biabani, Goudarzi, Hajiaghayi,
    Jabbarzade & Monemizadeh (ICML 2023), on the leveled threshold structure of Lattanzi et al.
    (NeurIPS 2020): ``(1/2 − epsilon)`` of the optimum over the present elements after every
    update, with polylogarithmic amortized oracle calls per update (randomized; ``seed``).
    ``method="lattanzi"``: the algorithm of Lattanzi, Mitrovic, Norouzi-Fard, Tarnawski &
    Zadimoghaddam (NeurIPS 2020) that the paper repairs, as a baseline (no per-update guarantee
    between its rebuilds). ``method="recompute"``: lazy greedy over the present elements after
    every update, the ``1 − 1/e`` quality reference at ``O(n)`` or more calls per update.

    Element ids are the objective's indices ``0..len(objective)``; :meth:`insert` and
    :meth:`delete` take one id or an array of ids (applied in order; ``"recompute"`` runs greedy
    once per call, after the whole array, since no solution in between can be observed). Pickles
    and restores exactly; a restored maximizer continues bit-for-bit.
    """

    def __init__(
        self,
        objective: Objective,
        k: int,
        epsilon: float = 0.1,
        seed: Seed = 0,
        *,
        method: DynamicMethod = "dynamic",
    ) -> None:
        if not isinstance(objective, Objective):
            raise InvalidParameterError(
                f"invalid objective: got {type(objective).__name__}, expected an "
                "onstream.submodular objective"
            )
        if method not in ("dynamic", "lattanzi", "recompute"):
            raise InvalidParameterError(
                f"invalid method: got {method!r}, expected 'dynamic', 'lattanzi' or 'recompute'"
            )
        if not (0 < float(epsilon) < 1):
            raise InvalidParameterError(f"invalid epsilon: got {epsilon!r}, expected (0, 1)")
        self._objective = objective
        self._k = positive_int(k, "k")
        self._epsilon = float(epsilon)
        self._method: DynamicMethod = method
        self._seed = seed_or_entropy(seed)
        self._inner: Any = None
        self._present: set[int] = set()
        self._calls = 0
        self._last: Selection | None = None
        if method != "recompute":
            rules = "banihashem" if method == "dynamic" else "lattanzi"
            self._inner = _core.SubmodularDynamic(objective._native, self._k, self._epsilon,
                                                  self._seed, rules)  # fmt: skip

    def _ids(self, ids: object) -> npt.NDArray[np.int64]:
        if isinstance(ids, (int, np.integer)) and not isinstance(ids, bool):
            ids = [int(ids)]
        return index_array(ids, "ids", n=len(self._objective), allow_empty=True)

    def insert(self, ids: object) -> None:
        """Insert element ids (each must be absent)."""
        a = self._ids(ids)
        if self._inner is not None:
            self._inner.insert(a)
            return
        for e in a.tolist():
            if e in self._present:
                self._recompute()
                raise InvalidParameterError(f"invalid id: got {e}, expected an element not present")
            self._present.add(e)
        self._recompute()

    def delete(self, ids: object) -> None:
        """Delete element ids (each must be present)."""
        a = self._ids(ids)
        if self._inner is not None:
            self._inner.delete(a)
            return
        for e in a.tolist():
            if e not in self._present:
                self._recompute()
                raise InvalidParameterError(f"invalid id: got {e}, expected an element present")
            self._present.remove(e)
        self._recompute()

    def _recompute(self) -> None:
        cands = np.array(sorted(self._present), dtype=np.int64)
        out = _core.submodular_greedy_over(self._objective._native, self._k, cands)
        self._calls += int(out["oracle_calls"])
        self._last = Selection._from_native(out, "recompute")

    def solution(self) -> Selection:
        """The current set (``oracle_calls``: all calls since construction)."""
        if self._inner is not None:
            return Selection._from_native(self._inner.solution(), self._method)
        last = self._last
        empty = np.zeros(0, dtype=np.int64)
        if last is None or not self._present:
            return Selection(empty, np.zeros(0), 0.0, self._calls, "recompute")
        return Selection(last.indices, last.gains, last.value, self._calls, "recompute")

    @property
    def value(self) -> float:
        """``f`` of the current set."""
        return self.solution().value

    @property
    def oracle_calls(self) -> int:
        """Marginal-gain evaluations since construction."""
        return int(self._inner.oracle_calls) if self._inner is not None else self._calls

    @property
    def present(self) -> npt.NDArray[np.int64]:
        """The present element ids, ascending."""
        if self._inner is not None:
            out: npt.NDArray[np.int64] = self._inner.present()
            return out
        return np.array(sorted(self._present), dtype=np.int64)

    def to_bytes(self) -> bytes:
        """The maximizer's state (the objective is pickled separately, by its inputs)."""
        if self._inner is not None:
            data: bytes = self._inner.to_bytes()
            return data
        return np.array(sorted(self._present), dtype=np.int64).tobytes()

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _restore,
            (self._objective, self._k, self._epsilon, self._seed, self._method, self.to_bytes(),
             self._calls),
        )  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"DynamicMaximizer(method={self._method!r}, k={self._k}, epsilon={self._epsilon}, "
            f"present={len(self.present)}, value={self.value:.6g})"
        )


def _restore(
    objective: Objective, k: int, epsilon: float, seed: int, method: DynamicMethod, data: bytes,
    calls: int,
) -> DynamicMaximizer:  # fmt: skip
    m = DynamicMaximizer(objective, k, epsilon, seed, method=method)
    if method != "recompute":
        m._inner = _core.SubmodularDynamic.from_bytes(objective._native, data)
    else:
        m._present = set(np.frombuffer(data, dtype=np.int64).tolist())
        if m._present:
            m._recompute()
        m._calls = calls
    return m
