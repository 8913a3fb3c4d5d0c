"""A privacy auditor: a statistical lower bound on ε from a mechanism's outputs on two adjacent
inputs, in the spirit of Google's DP Stochastic Tester (differential-privacy/cc/testing).

For any event S, ε-DP requires P[M(a) ∈ S] ≤ e^ε·P[M(b) ∈ S]. The auditor takes the single
output values as events, bounds each probability with a Wilson confidence interval (Bonferroni
over values and both directions), and reports the largest log-ratio the data *prove*. A correct
ε-DP mechanism gives a bound at most ε with probability at least 1 − alpha; a bound above the
claimed ε shows the claim false.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from onstream.exceptions import InvalidParameterError

__all__ = ["epsilon_lower_bound"]


def _wilson(count: np.ndarray[Any, Any], n: int, z: float) -> tuple[Any, Any]:
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def epsilon_lower_bound(
    outputs_a: Any, outputs_b: Any, *, alpha: float = 1e-3, min_count: int = 50
) -> float:
    """The largest ε that the samples prove at confidence 1 − ``alpha``: a lower bound on the
    mechanism's true ε for these two inputs (0 when nothing can be proven).

    ``outputs_a`` and ``outputs_b`` are many independent outputs of one mechanism on two adjacent
    inputs, discrete values (integers) or already binned. Values seen fewer than ``min_count``
    times in both samples are ignored (their bounds are too wide to prove anything).
    """
    a, b = np.asarray(outputs_a), np.asarray(outputs_b)
    if a.size == 0 or b.size == 0:
        raise InvalidParameterError("invalid outputs: both samples need at least one output")
    if not 0 < alpha < 1:
        raise InvalidParameterError(f"invalid alpha: got {alpha!r}, expected in (0, 1)")
    values, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    ca = np.bincount(inverse[: a.size], minlength=len(values)).astype(float)
    cb = np.bincount(inverse[a.size :], minlength=len(values)).astype(float)
    keep = (ca >= min_count) | (cb >= min_count)
    if not keep.any():
        return 0.0
    tests = 2 * int(keep.sum())
    z = NormalDist().inv_cdf(1 - alpha / (2 * tests))
    lo_a, hi_a = _wilson(ca[keep], a.size, z)
    lo_b, hi_b = _wilson(cb[keep], b.size, z)
    best = 0.0
    with np.errstate(divide="ignore"):
        for lo, hi in ((lo_a, hi_b), (lo_b, hi_a)):
            ok = (lo > 0) & (hi > 0)
            if ok.any():
                best = max(best, float(np.max(np.log(lo[ok] / hi[ok]))))
    return max(best, 0.0) if math.isfinite(best) else 0.0
