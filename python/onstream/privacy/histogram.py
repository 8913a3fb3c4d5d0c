"""Continual histograms: running counts of d categories, released at every step."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onstream._convert import int_array, positive_int
from onstream._random import normalize_seed
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.privacy.counter import _native_bank, _positive, _round_up

__all__ = ["ContinualHistogram"]


class ContinualHistogram:
    """Running counts of d categories released after every step, each step holding one category
    (0..d−1) or none (−1), under ε-DP or ρ-zCDP at event level.

    One tree counter per category (binary or online Honaker, as :class:`ContinualCounter`).
    Neighbouring streams differ in one step's value, which moves one event between two
    categories: each of the L+1 levels changes in two trees, so the node noise is discrete Laplace
    with scale 2(L+1)/ε, or discrete Gaussian with σ² = 2(L+1)/(2ρ) = (L+1)/ρ (rounded up). Every
    category's release has the same exact variance, :meth:`variance`.

    Pickling keeps the counts, never the generators (restoring twice spends the budget twice);
    ``insecure_seed`` is for tests only.
    """

    def __init__(
        self,
        d: int,
        horizon: int,
        *,
        epsilon: float | None = None,
        rho: float | None = None,
        mechanism: Literal["binary", "honaker"] = "honaker",
        insecure_seed: int | None = None,
    ) -> None:
        d, horizon = positive_int(d, "d"), positive_int(horizon, "horizon")
        if (epsilon is None) == (rho is None):
            raise InvalidParameterError(
                "invalid privacy parameters: give exactly one of epsilon or rho"
            )
        levels = (int(horizon) - 1).bit_length() + 1
        if epsilon is not None:
            kind = "laplace"
            num, den = _round_up(Fraction(2 * levels) / _positive("epsilon", epsilon))
        else:
            kind = "gaussian"
            num, den = _round_up(Fraction(levels) / _positive("rho", rho))
        seed = normalize_seed(insecure_seed, "insecure_seed")
        self._counters = _native_bank(d, horizon, str(mechanism), kind, num, den, seed)
        self.d, self.horizon, self.insecure = int(d), int(horizon), seed is not None

    @property
    def steps(self) -> int:
        return int(self._counters[0].steps)

    def release(self, categories: Any) -> npt.NDArray[np.float64]:
        """Consume a stream of categories (−1: no event); ``(steps, d)`` noisy running counts."""
        c = int_array(categories, "categories", allow_empty=True)
        if c.size and (c.min() < -1 or c.max() >= self.d):
            bad = int(np.argmax((c < -1) | (c >= self.d)))
            raise OutOfRangeError(
                f"categories out of range at index {bad}: got {c[bad]}, expected -1..{self.d - 1}"
            )
        return np.column_stack(
            [counter.release((c == j).astype(np.uint8)) for j, counter in enumerate(self._counters)]
        ).reshape(len(c), self.d)

    def step(self, category: int) -> npt.NDArray[np.float64]:
        """Consume one step (a category, or −1 for none); the d noisy counts so far."""
        out: npt.NDArray[np.float64] = self.release(np.array([category]))[0]
        return out

    def variance(self, t: int | None = None) -> float:
        """The exact variance of every category's release at step ``t`` (default: the latest)."""
        step = self.steps if t is None else int(t)
        if not 1 <= step <= self.horizon:
            raise OutOfRangeError(f"t out of range: got {step}, expected 1..{self.horizon}")
        return float(self._counters[0].variance_at(step))
