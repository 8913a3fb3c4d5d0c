"""Continual counting of an event stream under differential privacy, with exact error bars."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import int_array, positive_int
from onstream._random import derive_seed, normalize_seed
from onstream._streaming import Streaming
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.privacy.accounting import Budget

__all__ = ["ContinualCounter"]

_GRID = 1 << 20


def _round_up(x: Fraction) -> tuple[int, int]:
    """`x` rounded *up* to a multiple of 2**-20: more noise than asked, never less."""
    scaled = math.ceil(x * _GRID)
    f = Fraction(scaled, _GRID)
    return f.numerator, f.denominator


def _positive(name: str, value: float | None) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected a positive number")
    if value <= 0:
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected > 0")
    return Fraction(value)


def _native_bank(
    d: int, horizon: int, mechanism: str, kind: str, num: int, den: int, seed: int | None
) -> list[Any]:
    """d native counters sharing one noise setting, each on its own generator (derived seeds in
    the insecure test mode, independent OS keys otherwise)."""
    return [
        _core.ContinualCounter(mechanism, horizon, kind, num, den, derive_seed(seed, j))
        for j in range(d)
    ]


class ContinualCounter(Streaming):
    """A differentially private running count of a 0/1 event stream: ``step(x)`` returns the noisy
    number of events so far, at every step, for up to ``horizon`` steps.

    Mechanisms (event-level privacy: neighbouring streams differ in one step):

    * ``"binary"``: the binary tree mechanism (Dwork, Naor, Pitassi, Rothblum, STOC 2010; Chan,
      Shi, Song, TISSEC 2011). Each of the L+1 tree levels (2^L ≥ horizon) holds every event
      once, so node noise is discrete Laplace with scale (L+1)/ε, or discrete Gaussian with
      σ² = (L+1)/(2ρ); the release at t adds popcount(t) noisy nodes.
    * ``"honaker"``: the same tree, every node noised, each node's estimate the inverse-variance
      combination of its own value and its children's (Honaker's estimator, online form): about
      half the variance.

    Give ``epsilon`` for ε-DP (discrete Laplace noise) or ``rho`` for ρ-zCDP (discrete Gaussian).
    Noise is exact (integer samplers on ChaCha20 keyed by the OS) and its scale is rounded *up*
    to a multiple of 2**-20, so the stated guarantee always holds. :meth:`variance` is the exact
    variance of each release; :meth:`confidence_interval` turns it into error bars.

    State and budget: pickling keeps the counts and the step reached, never the generator, so a
    restored counter draws fresh noise. Restoring the same checkpoint twice releases two noisy
    views of the same events and spends the privacy budget twice. Stepping past ``horizon`` raises
    :class:`~onstream.BudgetExhaustedError`.

    ``insecure_seed`` makes the noise reproducible for tests; such a counter is not private, and
    its repr says so. With ``budget=``, the counter's whole cost (``epsilon`` or ``rho``) is charged
    to that :class:`Budget` when it is built; if it does not fit, no counter is built.
    """

    _native: ClassVar[Any] = _core.ContinualCounter

    def __init__(
        self,
        horizon: int,
        *,
        mechanism: Literal["binary", "honaker"] = "honaker",
        epsilon: float | None = None,
        rho: float | None = None,
        insecure_seed: int | None = None,
        budget: Budget | None = None,
    ) -> None:
        horizon = positive_int(horizon, "horizon")
        if (epsilon is None) == (rho is None):
            raise InvalidParameterError(
                "invalid privacy parameters: give exactly one of epsilon (ε-DP, Laplace noise) "
                "or rho (ρ-zCDP, Gaussian noise)"
            )
        levels = (int(horizon) - 1).bit_length() + 1
        if budget is not None:
            # The whole horizon's releases cost (epsilon or rho) together; charge before building.
            if epsilon is not None:
                budget.spend(epsilon=float(epsilon))
            else:
                budget.spend(rho=float(rho))  # type: ignore[arg-type]
        if epsilon is not None:
            kind = "laplace"
            num, den = _round_up(Fraction(levels) / _positive("epsilon", epsilon))
        else:
            kind = "gaussian"
            num, den = _round_up(Fraction(levels) / (2 * _positive("rho", rho)))
        self._inner = _core.ContinualCounter(
            str(mechanism),
            int(horizon),
            kind,
            num,
            den,
            normalize_seed(insecure_seed, "insecure_seed"),
        )

    def step(self, x: int | bool) -> float:
        """Consume one step (1 = an event, 0 = none); the noisy count so far."""
        if isinstance(x, (bool, np.bool_)):
            x = int(x)
        if not isinstance(x, (int, np.integer)) or x not in (0, 1):
            raise OutOfRangeError(f"x out of range: got {x!r}, expected 0 or 1")
        return float(self._inner.step(int(x)))

    def release(self, stream: Any) -> npt.NDArray[np.float64]:
        """Consume a whole 0/1 stream (NumPy, polars, sequence); the noisy count after each step."""
        a = np.asarray(stream)
        if a.dtype == np.bool_:
            a = a.astype(np.uint8)
        xs = int_array(a, "stream", allow_empty=True)
        if xs.size and (xs.min() < 0 or xs.max() > 1):
            bad = int(np.argmax((xs < 0) | (xs > 1)))
            raise OutOfRangeError(
                f"stream out of range at index {bad}: got {xs[bad]}, expected 0 or 1"
            )
        out: npt.NDArray[np.float64] = self._inner.release(xs.astype(np.uint8))
        return out

    def variance(self, t: int | None = None) -> float:
        """The exact variance of the release at step ``t`` (default: the latest)."""
        step = self.steps if t is None else int(t)
        if not 1 <= step <= self.horizon:
            raise OutOfRangeError(f"t out of range: got {step}, expected 1..{self.horizon}")
        return float(self._inner.variance_at(step))

    def confidence_interval(
        self, value: float, t: int | None = None, level: float = 0.95
    ) -> tuple[float, float]:
        """An interval around a release ``value`` holding the true count with about ``level``
        probability: a normal interval with the exact variance (the release's noise is a sum of
        several independent discrete draws, close to normal). Chebyshev's bound
        ``sqrt(variance / (1 - level))`` is the distribution-free alternative."""
        if not 0 < level < 1:
            raise InvalidParameterError(f"invalid level: got {level!r}, expected in (0, 1)")
        half = NormalDist().inv_cdf(0.5 + level / 2) * math.sqrt(self.variance(t))
        return float(value - half), float(value + half)

    @property
    def steps(self) -> int:
        return int(self._inner.steps)

    @property
    def horizon(self) -> int:
        return int(self._inner.horizon)

    @property
    def insecure(self) -> bool:
        """True when built with ``insecure_seed``: the releases are then not private."""
        return bool(self._inner.insecure)

    def __repr__(self) -> str:
        flag = ", INSECURE (seeded, not private)" if self.insecure else ""
        return f"ContinualCounter(steps={self.steps}, horizon={self.horizon}{flag})"
