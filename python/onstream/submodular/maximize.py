"""``maximize``: the greedy family and the one-pass sieves over any objective."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from onstream import _core
from onstream._convert import positive_int
from onstream._random import seed_or_entropy
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError
from onstream.submodular.objectives import Objective

__all__ = ["Optimizer", "Selection", "maximize"]

Optimizer = Literal["naive", "lazy", "stochastic", "sieve", "sieve++"]


@dataclass(frozen=True)
class Selection:
    """A chosen set: ``indices`` in pick order, the ``gains`` each pick added, ``value = f(S)``
    and the ``oracle_calls`` (marginal-gain evaluations) it took."""

    indices: npt.NDArray[np.int64]
    gains: npt.NDArray[np.float64]
    value: float
    oracle_calls: int
    optimizer: str

    def to_polars(self) -> pl.DataFrame:
        """One row per pick: ``rank``, ``index``, ``gain`` and the running ``value``."""
        return pl.DataFrame(
            {
                "rank": np.arange(len(self.indices), dtype=np.int64),
                "index": self.indices,
                "gain": self.gains,
                "value": np.cumsum(self.gains),
            }
        )

    @classmethod
    def _from_native(cls, d: dict[str, Any], optimizer: str) -> Selection:
        return cls(
            indices=d["indices"],
            gains=d["gains"],
            value=float(d["value"]),
            oracle_calls=int(d["oracle_calls"]),
            optimizer=optimizer,
        )


def maximize(
    objective: Objective,
    k: int,
    optimizer: Optimizer = "lazy",
    *,
    epsilon: float = 0.1,
    seed: Seed = 0,
) -> Selection:
    """Choose at most ``k`` elements maximizing a monotone submodular ``objective``.

    Optimizers (each reports its oracle calls):

    * ``"naive"``: greedy (Nemhauser, Wolsey & Fisher 1978), every remaining gain at every step,
      in parallel; ``1 − 1/e`` of the optimum; ``nk`` oracle calls.
    * ``"lazy"``: lazy greedy (Minoux 1978), stale gains as upper bounds in a heap; the same
      selection as ``"naive"`` in far fewer calls. The default.
    * ``"stochastic"``: stochastic greedy (Mirzasoleiman et al., AAAI 2015), each step a sample
      of ``(n/k)·ln(1/epsilon)`` elements; ``1 − 1/e − epsilon`` in expectation.
    * ``"sieve"`` / ``"sieve++"``: one pass over the elements in index order, Sieve-Streaming
      (Badanidiyuru et al., KDD 2014) and Sieve-Streaming++ (Kazemi et al., ICML 2019);
      ``1/2 − epsilon``; the sets kept grow as ``log(k)/epsilon`` (and ``k/epsilon`` elements
      for ``"sieve++"``).

    Exactly ``k`` elements are picked by the greedy optimizers (zero gains included); the sieves
    may pick fewer.
    """
    if not isinstance(objective, Objective):
        raise InvalidParameterError(
            f"invalid objective: got {type(objective).__name__}, expected an onstream.submodular "
            "objective (FacilityLocation, WeightedCoverage, FeatureBased)"
        )
    k = positive_int(k, "k")
    if k > len(objective):
        raise InvalidParameterError(
            f"invalid k: got {k}, expected at most the {len(objective)} elements of the objective"
        )
    if optimizer not in ("naive", "lazy", "stochastic", "sieve", "sieve++"):
        raise InvalidParameterError(
            f"invalid optimizer: got {optimizer!r}, expected 'naive', 'lazy', 'stochastic', "
            "'sieve' or 'sieve++'"
        )
    if not (0 < float(epsilon) < 1):
        raise InvalidParameterError(f"invalid epsilon: got {epsilon!r}, expected (0, 1)")
    out = _core.submodular_maximize(
        objective._native, k, optimizer, float(epsilon), seed_or_entropy(seed)
    )
    return Selection._from_native(out, optimizer)
