"""The ``seed=`` convention.

Every randomized object takes ``seed: int | None``. An integer in ``[0, 2**64)`` gives the same
numbers on every platform (the core's generator is ChaCha12, fixed by its specification);
``None`` draws a seed from the operating system. Differential-privacy noise is the exception: it
refuses seeds unless the caller passes an explicit insecure, test-only flag.
"""

from __future__ import annotations

import numbers
import secrets

from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError

__all__ = ["derive_seed", "normalize_seed", "seed_or_entropy"]

_SEED_LIMIT = 1 << 64


def normalize_seed(seed: Seed, name: str = "seed") -> int | None:
    """Return ``seed`` as a Python int in ``[0, 2**64)``, or ``None``; raise on anything else."""
    # The common case first, before the isinstance check against an ABC (abc's machinery).
    if type(seed) is int and 0 <= seed < _SEED_LIMIT:
        return seed
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InvalidParameterError(
            f"invalid {name}: got {seed!r} ({type(seed).__name__}), "
            f"expected an integer in [0, 2**64) or None"
        )
    value = int(seed)
    if not 0 <= value < _SEED_LIMIT:
        raise InvalidParameterError(
            f"invalid {name}: got {value}, expected an integer in [0, 2**64) or None"
        )
    return value


def derive_seed(seed: int | None, index: int) -> int | None:
    """The seed of the ``index``-th of several objects built from one ``seed`` (None stays None):
    distinct per index, spread by the golden-ratio constant."""
    if seed is None:
        return None
    return (seed + 0x9E3779B97F4A7C15 * (index + 1)) % 2**64


def seed_or_entropy(seed: Seed, name: str = "seed") -> int:
    """``seed`` checked as :func:`normalize_seed` does, with ``None`` replaced by 64 bits from the
    operating system: for native calls that always take a seed."""
    value = normalize_seed(seed, name)
    return secrets.randbits(64) if value is None else value
