"""Privacy accounting: conversions between guarantees, and a budget that refuses to overspend."""

from __future__ import annotations

from typing import Any, ClassVar

from onstream import _core
from onstream._streaming import Streaming

__all__ = ["Budget", "pure_to_zcdp", "zcdp_to_approx"]


def pure_to_zcdp(epsilon: float) -> float:
    """ε-DP implies (ε²/2)-zCDP (Bun & Steinke, TCC 2016, Proposition 1.4)."""
    return float(_core.privacy_pure_to_zcdp(float(epsilon)))


def zcdp_to_approx(rho: float, delta: float) -> float:
    """The ε of the (ε, δ)-DP that ρ-zCDP implies: ρ + 2√(ρ·ln(1/δ)) (Bun & Steinke,
    Proposition 1.3)."""
    return float(_core.privacy_zcdp_to_approx(float(rho), float(delta)))


class Budget(Streaming):
    """A total privacy budget; :meth:`spend` records a cost or raises
    :class:`~onstream.BudgetExhaustedError` and records nothing.

    Give ``epsilon`` (pure ε-DP), ``epsilon`` and ``delta`` (approximate DP) or ``rho`` (zCDP).
    Costs compose additively in the budget's unit: a zCDP budget also accepts pure-DP costs
    (charged ε²/2), an (ε, δ) budget accepts pure costs (δ = 0). Pickles with what was spent.
    """

    _native: ClassVar[Any] = _core.Budget

    def __init__(
        self, *, epsilon: float | None = None, delta: float | None = None, rho: float | None = None
    ) -> None:
        self._inner = _core.Budget(epsilon, delta, rho)

    def spend(
        self, *, epsilon: float | None = None, delta: float | None = None, rho: float | None = None
    ) -> None:
        """Charge a cost; raises :class:`~onstream.BudgetExhaustedError` if it does not fit."""
        self._inner.spend(epsilon, delta, rho)

    @property
    def total(self) -> dict[str, float]:
        return dict(self._inner.total())

    @property
    def spent(self) -> dict[str, float]:
        return dict(self._inner.spent())

    @property
    def spends(self) -> int:
        return int(self._inner.spends)

    def __repr__(self) -> str:
        return f"Budget(total={self.total}, spent={self.spent})"
