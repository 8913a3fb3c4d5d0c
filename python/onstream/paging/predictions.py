"""Predictions for the learning-augmented policies: generators from the truth, and the spec that
:func:`~onstream.paging.simulate` takes.

* Discard bits (Antoniadis et al., ICML 2023): ``True`` = "Belady evicts this page before it is
  requested again" (LFD at the same cache size, fixed tie-break).
* Phase bits (same paper): ``True`` = "this page is requested again in the next k-phase"
  (1 = *needed*; some implementations use the opposite encoding).
* Next-arrival times (Lykouris & Vassilvitskii, ICML 2018): the true time of the next request
  plus lognormal(0, sigma) noise; ``inf`` where the key never recurs.

Noise on bits flips a true ``True`` to ``False`` with probability ``wrong0`` (a wrong 0, counted
in η₀) and a true ``False`` to ``True`` with probability ``wrong1`` (a wrong 1, η₁).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, same_length
from onstream._random import normalize_seed
from onstream.exceptions import DtypeError, InvalidParameterError
from onstream.paging.traces import as_trace

__all__ = ["Predictions", "discard_bits", "next_arrivals", "phase_bits"]


def _probability(name: str, p: float) -> float:
    if not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0:
        raise InvalidParameterError(f"invalid {name}: got {p!r}, expected a probability in [0, 1]")
    return float(p)


def _sigma(sigma: float) -> float:
    # math.isfinite, not NumPy's: a ufunc call on a scalar cost about 10 us with cold caches, a
    # fortieth of a 134 K-request simulation.
    if not isinstance(sigma, (int, float)) or not math.isfinite(sigma) or sigma < 0:
        raise InvalidParameterError(f"invalid sigma: got {sigma!r}, expected a finite value >= 0")
    return float(sigma)


def discard_bits(
    trace: Any, k: int, *, wrong0: float = 0.0, wrong1: float = 0.0, seed: int = 0
) -> npt.NDArray[np.bool_]:
    """Discard bits for cache size ``k``: Belady's truth, then flipped with the given rates."""
    return _core.paging_prediction_bits(
        as_trace(trace),
        "discard",
        int(k),
        _probability("wrong0", wrong0),
        _probability("wrong1", wrong1),
        normalize_seed(seed) or 0,
    )


def phase_bits(
    trace: Any, k: int, *, wrong0: float = 0.0, wrong1: float = 0.0, seed: int = 0
) -> npt.NDArray[np.bool_]:
    """Phase bits for cache size ``k`` (True = needed in the next k-phase), then noise."""
    return _core.paging_prediction_bits(
        as_trace(trace),
        "phase",
        int(k),
        _probability("wrong0", wrong0),
        _probability("wrong1", wrong1),
        normalize_seed(seed) or 0,
    )


def next_arrivals(trace: Any, *, sigma: float = 0.0, seed: int = 0) -> npt.NDArray[np.float64]:
    """Predicted time (request index) of each key's next request: truth + lognormal(0, sigma)."""
    return _core.paging_next_arrival(as_trace(trace), _sigma(sigma), normalize_seed(seed) or 0)


def _bits(value: Any, name: str, n: int) -> dict[int, npt.NDArray[np.bool_]]:
    if value is None:
        return {}
    items = value.items() if isinstance(value, Mapping) else [(0, value)]
    out: dict[int, npt.NDArray[np.bool_]] = {}
    for k, bits in items:
        a = np.asarray(bits)
        if a.dtype != np.bool_:
            raise DtypeError(f"{name} bits have dtype {a.dtype}, expected bool")
        same_length(**{name: a, "trace": np.empty(n)})
        out[int(k)] = np.ascontiguousarray(a)
    return out


@dataclass(frozen=True)
class Predictions:
    """What the learning-augmented policies of :func:`simulate` are told.

    Give your own arrays (``discard``/``phase``: one bool per request, either one array for every
    size or a mapping ``{size: array}`` since the truth depends on the cache size;
    ``next_arrival``: one time per request, ``inf`` for never), or leave them out to have them
    generated from the truth at each size and corrupted by ``wrong0``, ``wrong1`` and ``sigma``
    (see the module documentation). Generated predictions use the ``seed`` of :func:`simulate`
    and equal what :func:`discard_bits`, :func:`phase_bits` and :func:`next_arrivals` return for
    that seed.
    """

    discard: Any = None
    phase: Any = None
    next_arrival: Any = None
    wrong0: float = 0.0
    wrong1: float = 0.0
    sigma: float = 0.0

    def native_arguments(self, n: int) -> dict[str, Any]:
        """Keyword arguments for ``_core.paging_simulate`` (validated)."""
        times = None
        if self.next_arrival is not None:
            times = float_array(self.next_arrival, "next_arrival", allow_inf=True)
            same_length(next_arrival=times, trace=np.empty(n))
            if (times < 0).any():
                raise InvalidParameterError("invalid next_arrival: times must be >= 0")
        return {
            "discard": _bits(self.discard, "discard", n),
            "phase": _bits(self.phase, "phase", n),
            "next_arrival": times,
            "noise": (
                _probability("wrong0", self.wrong0),
                _probability("wrong1", self.wrong1),
                _sigma(self.sigma),
            ),
        }
