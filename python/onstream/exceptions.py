"""The exceptions onstream raises.

Every class derives from :class:`OnstreamError` and from the builtin a caller would expect, so both
``except onstream.InvalidParameterError`` and ``except ValueError`` work. The Rust extension raises
these same classes (it imports them from here).
"""

from __future__ import annotations

__all__ = [
    "BudgetExhaustedError",
    "DtypeError",
    "EmptyInputError",
    "GpuUnavailableError",
    "InternalError",
    "InvalidParameterError",
    "MissingValueError",
    "NonFiniteError",
    "NumericalError",
    "OnstreamError",
    "OutOfRangeError",
    "ShapeMismatchError",
    "SnapshotError",
    "SnapshotVersionError",
]


class OnstreamError(Exception):
    """Base class of every error onstream raises on purpose."""


class InvalidParameterError(OnstreamError, ValueError):
    """A parameter is outside its domain (negative size, unknown name, reg <= 0, ...)."""


class DtypeError(OnstreamError, TypeError):
    """An array has a dtype that cannot stand for the values expected (strings for floats, ...)."""


class ShapeMismatchError(OnstreamError, ValueError):
    """Array lengths or shapes disagree with each other or with what was asked."""


class NonFiniteError(OnstreamError, ValueError):
    """NaN, or an infinity where none is allowed, in numeric input."""


class MissingValueError(OnstreamError, ValueError):
    """Null values in a polars Series or DataFrame column that must be complete."""


class OutOfRangeError(OnstreamError, IndexError):
    """An id or index is negative or not below its bound."""


class EmptyInputError(OnstreamError, ValueError):
    """Input that needs at least one element is empty."""


class BudgetExhaustedError(OnstreamError, RuntimeError):
    """A privacy budget (or another finite allowance) is spent; nothing further is released."""


class SnapshotError(OnstreamError, ValueError):
    """Bytes that are not a valid snapshot of the expected kind."""


class SnapshotVersionError(SnapshotError):
    """A snapshot written in a format version this build cannot read."""


class NumericalError(OnstreamError, FloatingPointError):
    """Valid input that a method cannot handle in floating point (for example a Sinkhorn kernel
    ``exp(-C/reg)`` that underflows); the message names the method that can."""


class GpuUnavailableError(OnstreamError, RuntimeError):
    """``device="cuda"`` was asked for, but cupy or a CUDA device is missing."""


class InternalError(OnstreamError, RuntimeError):
    """A broken invariant inside onstream (a Rust panic, caught): a bug, please report it."""
