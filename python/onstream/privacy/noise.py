"""Vectorized exact discrete Laplace and Gaussian noise."""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._random import normalize_seed
from onstream.exceptions import InvalidParameterError

__all__ = ["NonPrivateArray", "discrete_gaussian", "discrete_laplace"]

#: Floats become the nearest rational with a denominator at most this (then exact sampling).
_MAX_DENOMINATOR = 1 << 20
#: The exact samplers' limits on a rational parameter's parts and on σ²'s numerator.
_MAX_PART = _core.PRIVACY_MAX_PART
_MAX_VARIANCE = _core.PRIVACY_MAX_VARIANCE


class NonPrivateArray(np.ndarray[Any, np.dtype[np.int64]]):
    """Noise drawn from a user-chosen seed: reproducible, therefore **not private**.

    Returned only when ``insecure_seed=`` is given; its repr says so, and ``insecure_seed`` records
    the seed, so that such arrays are not mistaken for private releases.
    """

    insecure_seed: int | None

    def __array_finalize__(self, obj: Any) -> None:
        self.insecure_seed = getattr(obj, "insecure_seed", None)

    def __repr__(self) -> str:
        return f"NonPrivateArray(insecure_seed={self.insecure_seed}, {np.asarray(self)!r})"


def _rational(name: str, value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (numbers.Rational, float, np.floating)):
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected a positive number")
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise InvalidParameterError(f"invalid {name}: got {value!r}, expected a finite number")
        frac = Fraction(float(value)).limit_denominator(_MAX_DENOMINATOR)
    else:
        frac = Fraction(value)
    if frac <= 0:
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected > 0")
    if frac.numerator > _MAX_PART or frac.denominator > _MAX_PART:
        raise InvalidParameterError(
            f"invalid {name}: got {value!r} = {frac}, expected numerator and denominator <= 2**40"
        )
    return frac


def _size(size: int | None) -> int:
    if size is None:
        return 1
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
        raise InvalidParameterError(f"invalid size: got {size!r}, expected an integer >= 0")
    return int(size)


def _finish(values: npt.NDArray[np.int64], insecure_seed: int | None) -> npt.NDArray[np.int64]:
    if insecure_seed is None:
        return values
    out = values.view(NonPrivateArray)
    out.insecure_seed = insecure_seed
    return out


def discrete_laplace(
    scale: float | Fraction | int, size: int | None = None, *, insecure_seed: int | None = None
) -> npt.NDArray[np.int64]:
    """Exact discrete Laplace noise: P(y) ∝ exp(−|y| / scale) on the integers.

    The law of Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy",
    NeurIPS 2020, Algorithm 2, drawn exactly as ⌊E·scale⌋ with a random sign for an exact Exp(1)
    variate E (von Neumann's comparison method, Karney 2016); batches of 4096 draws or more use
    rejection from an envelope with integer weights in an alias table instead, the same law
    exactly and about three times faster (see ``envelope.rs``: 20 ns a draw on one thread).
    Adding it to an integer count with sensitivity Δ gives ε-DP for scale = Δ/ε. A float
    ``scale`` is replaced by the nearest rational with denominator at most 2**20, and the draw is
    exact for that rational (pass a :class:`fractions.Fraction` to choose it yourself).

    Parameters
    ----------
    scale:
        Positive number.
    size:
        How many draws (default 1).
    insecure_seed:
        Reproducible draws for tests; the result is then a :class:`NonPrivateArray`.
    """
    frac = _rational("scale", scale)
    seed = normalize_seed(insecure_seed, "insecure_seed")
    values = _core.privacy_discrete_laplace(frac.numerator, frac.denominator, _size(size), seed)
    return _finish(values, seed)


def discrete_gaussian(
    sigma: float | Fraction | int, size: int | None = None, *, insecure_seed: int | None = None
) -> npt.NDArray[np.int64]:
    """Exact discrete Gaussian noise: P(y) ∝ exp(−y² / (2σ²)) on the integers.

    Canonne, Kamath & Steinke, NeurIPS 2020, Algorithm 3 (rejection from a discrete Laplace);
    batches of 4096 draws or more instead use rejection from an envelope with integer weights in
    an alias table, the same law exactly and four to six times faster (see ``envelope.rs``:
    17–20 ns a draw on one thread). Adding it to an integer query with L2 sensitivity Δ gives
    ρ-zCDP with ρ = Δ²/(2σ²). A float ``sigma`` is replaced by the nearest rational with
    denominator at most 2**20 (fewer bits above σ ≈ 512, so that σ² fits the sampler); σ² is then
    that rational squared, and the draw is exact for it.

    Parameters
    ----------
    sigma:
        Positive number (the scale parameter; the variance is within a hair of σ² for σ ≳ 1).
    size:
        How many draws (default 1).
    insecure_seed:
        Reproducible draws for tests; the result is then a :class:`NonPrivateArray`.
    """
    frac = _rational("sigma", sigma) ** 2
    if isinstance(sigma, (float, np.floating)):
        # A large float σ keeps fewer fractional bits (relative change below 2**-29) so that σ²
        # fits the exact sampler: numerator at most 2**58, denominator at most 2**40.
        limit = _MAX_DENOMINATOR
        while frac.numerator > _MAX_VARIANCE and limit > 1:
            limit //= 2
            frac = Fraction(float(sigma)).limit_denominator(limit) ** 2
    if frac.numerator > _MAX_VARIANCE or frac.denominator > _MAX_PART:
        raise InvalidParameterError(
            f"invalid sigma: got {sigma!r}; sigma**2 = {frac} needs a numerator <= 2**58 and a "
            "denominator <= 2**40 (pass a Fraction with a smaller denominator)"
        )
    seed = normalize_seed(insecure_seed, "insecure_seed")
    values = _core.privacy_discrete_gaussian(frac.numerator, frac.denominator, _size(size), seed)
    return _finish(values, seed)
