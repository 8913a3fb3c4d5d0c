"""Continual MaxSum and SumSelect over d counters, by both routes of Jain, Raskhodnikova,
Sivakumar & Smith, "The Price of Differential Privacy under Continual Observation" (ICML 2023):
d tree counters (error Õ(√d)) or sparse vector on the drift of the maximum (error Õ(T^(1/3)))."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import int_array, positive_int
from onstream._random import normalize_seed
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError
from onstream.privacy.counter import _native_bank, _positive, _round_up

__all__ = ["ContinualMaxSum", "DriftPlan", "drift_plan"]

Route = Literal["auto", "tree", "drift"]


@dataclass(frozen=True)
class DriftPlan:
    """Parameters of the sparse-vector route for (d, T, ρ, β): the drift threshold Δ, the
    number of rounds K, the ε₀ of each of the 3K + 1 private steps (ρ = (3K + 1)·ε₀²/2) and the
    error bound that holds at every step at once with probability 1 − β."""

    threshold: int
    rounds: int
    eps0: Fraction
    bound: float


def _drift_noise(d: int, horizon: int, rounds: int, eps0: float, beta: float) -> float:
    """The noise a run stays within with probability 1 − β: every query noise (scale 8/ε₀) and
    threshold noise (scale 4/ε₀) of the AboveThreshold instances, then each round's value noise
    (scale 1/ε₀) or selection gap (exponential mechanism over d counts), β/4 each by union
    bounds on discrete Laplace tails P(|Z| ≥ a) ≤ e^(−(a−1)/b)."""
    svt = 8 / eps0 * math.log(4 * horizon / beta) + 4 / eps0 * math.log(4 * (rounds + 1) / beta)
    value = 1 / eps0 * math.log(4 * rounds / beta)
    select = 2 / eps0 * (math.log(d) + math.log(4 * rounds / beta))
    return svt + 2 + max(value, select) + 1


def drift_plan(d: int, horizon: int, rho: Fraction, beta: float = 0.05) -> DriftPlan:
    """Δ as the fixed point Δ = 2·(noise at K = ⌈2T/Δ⌉ + 1 rounds): each round then needs the
    maximum to grow by Δ/2, so K rounds suffice for the whole horizon, and the error is at most
    Δ + α_svt = O(T^(1/3)·(log T)^(2/3)/ρ^(1/3))."""
    delta = max(1.0, horizon ** (1 / 3))
    for _ in range(60):
        rounds = math.ceil(2 * horizon / delta) + 1
        eps0 = math.sqrt(2 * float(rho) / (3 * rounds + 1))
        delta = min(float(horizon), max(1.0, 2 * _drift_noise(d, horizon, rounds, eps0, beta)))
    threshold = math.ceil(delta)
    rounds = math.ceil(2 * horizon / threshold) + 1
    exact = Fraction(math.isqrt(math.floor(2 * rho / (3 * rounds + 1) * 2**60)), 2**30)
    # ε₀ rounded down to a multiple of 2**-30: never more than the budget allows.
    if exact == 0:
        raise InvalidParameterError(
            f"invalid rho: got {float(rho)!r}, too small for {horizon} steps"
        )
    noise = _drift_noise(d, horizon, rounds, float(exact), beta)
    return DriftPlan(threshold, rounds, exact, threshold + noise)


class ContinualMaxSum:
    """Releases, after every step, the largest of d running counts (MaxSum) and which counter
    holds it (SumSelect), under ρ-zCDP against the whole stream of rows x_t ∈ {0, 1}^d, by either
    route of Jain, Raskhodnikova, Sivakumar & Smith (ICML 2023):

    * ``route="tree"`` (error Õ(√d·log T/√ρ)): d binary tree counters (or online Honaker) with
      discrete Gaussian node noise. A row is in L+1 nodes of each of the d trees, so its L2
      sensitivity is √(d(L+1)) and σ² = d(L+1)/(2ρ) per node gives ρ-zCDP for the whole release
      (noise scale rounded up, never down). Output: the max and argmax of the noisy counts.
    * ``route="drift"`` (error Õ(T^(1/3)/ρ^(1/3)), independent of d): sparse vector on the drift
      of the maximum (the notes' reconstruction; see :class:`onstream._core.DriftMaxSum`): the
      released value and index change only when the true maximum has moved about Δ away from
      them, in at most K rounds; :func:`drift_plan` picks Δ and K.
    * ``route="auto"`` (default) takes the route whose error bound (below) is smaller at this
      (d, T, ρ): the paper's min(T^(1/3), √d) rule with the constants of these bounds; the tree
      wins for small d, the drift route once d grows past about T^(2/3).

    :meth:`error_bound` is a bound that holds with probability at least 1 − beta. Tree route: for
    all d counts at a step (each release's noise is a combination of independent discrete
    Gaussians, σ²-sub-Gaussian by Canonne, Kamath & Steinke 2020; a union bound covers the d
    counts). Drift route: at every step at once, for both outputs (|MaxSum − r| and
    max − c[j*]), as long as the run is not ``frozen`` (it freezes after K rounds, which the plan
    makes happen with probability at most beta).

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
        route: Route = "auto",
        mechanism: Literal["binary", "honaker"] = "honaker",
        beta: float = 0.05,
        insecure_seed: int | None = None,
    ) -> None:
        d, horizon = positive_int(d, "d"), positive_int(horizon, "horizon")
        if route not in ("auto", "tree", "drift"):
            raise InvalidParameterError(
                f"invalid route: got {route!r}, expected 'auto', 'tree' or 'drift'"
            )
        if not 0 < beta < 1:
            raise InvalidParameterError(f"invalid beta: got {beta!r}, expected in (0, 1)")
        rho_f = _positive("rho", rho)
        levels = (int(horizon) - 1).bit_length() + 1
        num, den = _round_up(Fraction(int(d) * levels) / (2 * rho_f))
        self._sigma2 = Fraction(num, den)
        self._mechanism = mechanism
        self.d, self.horizon = int(d), int(horizon)
        self.plan = drift_plan(self.d, self.horizon, rho_f, beta)
        if route == "auto":
            worst = max(self._tree_bound(t, beta) for t in _worst_times(self.horizon))
            route = "drift" if self.plan.bound < worst else "tree"
        self.route: Literal["tree", "drift"] = "tree" if route == "tree" else "drift"
        seed = normalize_seed(insecure_seed, "insecure_seed")
        self.insecure = seed is not None
        self._counters: list[Any] = []
        self._drift: Any = None
        if self.route == "tree":
            self._counters = _native_bank(d, horizon, str(mechanism), "gaussian", num, den, seed)
        else:
            e = self.plan.eps0
            self._drift = _core.DriftMaxSum(
                self.d,
                self.horizon,
                self.plan.threshold,
                self.plan.rounds,
                e.numerator,
                e.denominator,
                seed,
            )

    @property
    def steps(self) -> int:
        if self._drift is not None:
            return int(self._drift.steps)
        return int(self._counters[0].steps)

    @property
    def frozen(self) -> bool:
        """Drift route only: True once its K rounds are spent (outputs no longer move)."""
        return bool(self._drift is not None and self._drift.frozen)

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
        if self._drift is not None:
            out: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]] = self._drift.release(
                np.ascontiguousarray(x, dtype=np.uint8)
            )
            return out
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
        if self.route == "drift":
            p = self.plan
            return p.threshold + _drift_noise(self.d, self.horizon, p.rounds, float(p.eps0), beta)
        return self._tree_bound(t, beta)

    def _tree_bound(self, t: int, beta: float) -> float:
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


def _worst_times(horizon: int) -> list[int]:
    """The steps with the most tree nodes in their release: the horizon and 2^k − 1 below it."""
    k = horizon.bit_length()
    return [t for t in {horizon, (1 << k) - 1, (1 << (k - 1)) - 1} if 1 <= t <= horizon]
