"""Continual MaxSum and SumSelect over d counters (the √d route of Jain, Raskhodnikova,
Sivakumar & Smith, "The Price of Differential Privacy under Continual Observation", ICML 2023)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onstream._convert import int_array, positive_int
from onstream._random import normalize_seed
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError
from onstream.privacy.counter import _native_bank, _positive, _round_up

__all__ = ["ContinualMaxSum"]


class ContinualMaxSum:
    """Releases, after every step, the largest of d running counts (MaxSum) and which counter
    holds it (SumSelect), under ρ-zCDP against the whole stream of rows x_t ∈ {0, 1}^d.

    The √d route of Jain, Raskhodnikova, Sivakumar & Smith (ICML 2023, §"upper bounds"): d binary
    tree counters (or online Honaker) with discrete Gaussian node noise. A row is in L+1 nodes of
    each of the d trees, so its L2 sensitivity is √(d(L+1)) and σ² = d(L+1)/(2ρ) per node gives
    ρ-zCDP for the whole release (noise scale rounded up, never down). The error is
    Õ(√d · log T / √ρ); the paper's T^(1/3) route (sparse vector, better when d ≳ T^(2/3)) is not
    implemented yet.

    :meth:`error_bound` gives a bound that holds for all d counts at a step with probability at
    least 1 − beta: each release's noise is a combination of independent discrete Gaussians, which
    are σ²-sub-Gaussian (Canonne, Kamath & Steinke 2020), and a union bound covers the d counts.

    ``insecure_seed`` is for tests only (not private). Pickling keeps the d counters' counts and the
    step reached, never their generators: a restored object draws fresh noise, and restoring one
    checkpoint twice spends the budget twice (as with :class:`ContinualCounter`).
    """

    def __init__(
        self,
        d: int,
        horizon: int,
        *,
        rho: float,
        mechanism: Literal["binary", "honaker"] = "honaker",
        insecure_seed: int | None = None,
    ) -> None:
        d, horizon = positive_int(d, "d"), positive_int(horizon, "horizon")
        levels = (int(horizon) - 1).bit_length() + 1
        num, den = _round_up(Fraction(int(d) * levels) / (2 * _positive("rho", rho)))
        self._sigma2 = Fraction(num, den)
        self._mechanism = mechanism
        seed = normalize_seed(insecure_seed, "insecure_seed")
        self._counters = _native_bank(d, horizon, str(mechanism), "gaussian", num, den, seed)
        self.d, self.horizon, self.insecure = int(d), int(horizon), seed is not None

    @property
    def steps(self) -> int:
        return int(self._counters[0].steps)

    def release(self, rows: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Consume a ``(steps, d)`` 0/1 matrix; returns (MaxSum, SumSelect) after each step."""
        x = np.asarray(rows)
        if x.dtype == np.bool_:
            x = x.astype(np.uint8)
        x = int_array(x, "rows", ndim=2)
        if x.shape[1] != self.d:
            raise ShapeMismatchError(
                f"shape mismatch for rows: got {x.shape[1]} columns, expected d = {self.d}"
            )
        if x.size and (x.min() < 0 or x.max() > 1):
            raise OutOfRangeError("rows out of range: expected 0/1 entries")
        counts = np.column_stack(
            [
                c.release(np.ascontiguousarray(x[:, j], dtype=np.uint8))
                for j, c in enumerate(self._counters)
            ]
        )
        return counts.max(axis=1), counts.argmax(axis=1).astype(np.int64)

    def error_bound(self, t: int, beta: float = 0.05) -> float:
        """u such that, at step t, all d noisy counts are within u of the truth with probability
        at least 1 − beta; hence so is MaxSum, and SumSelect's counter is within 2u of the max."""
        if not 0 < beta < 1:
            raise InvalidParameterError(f"invalid beta: got {beta!r}, expected in (0, 1)")
        if not 1 <= t <= self.horizon:
            raise OutOfRangeError(f"t out of range: got {t}, expected 1..{self.horizon}")
        s2 = float(self._sigma2)
        # Variance proxy of one release: the same combination of nodes as its variance, with each
        # node's proxy σ² (at least its variance).
        proxy = 0.0
        for h in range(64):
            if t >> h & 1:
                if self._mechanism == "binary":
                    proxy += s2
                else:
                    p = 2.0**h
                    proxy += s2 * p / (2 * p - 1)
        return math.sqrt(2 * proxy * math.log(2 * self.d / beta))
