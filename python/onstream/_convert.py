"""Input conversion: NumPy arrays, polars Series/DataFrames and Python sequences in, contiguous
typed NumPy arrays out, with one clear error per kind of bad input; results out as polars frames.

Every public function of the facade normalizes its array arguments here, so the checks (dtype,
NaN/inf, nulls, emptiness, id ranges, matching lengths) and their messages are the same everywhere.
An input that already has the wanted dtype and is C-contiguous is returned as is: no copy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from onstream.exceptions import (
    DtypeError,
    EmptyInputError,
    InvalidParameterError,
    MissingValueError,
    NonFiniteError,
    OutOfRangeError,
    ShapeMismatchError,
)

__all__ = [
    "float_array",
    "id_array",
    "index_array",
    "int_array",
    "int_at_least",
    "positive_float",
    "positive_int",
    "same_length",
    "to_frame",
]

if TYPE_CHECKING:
    import polars as pl

_F64 = np.dtype(np.float64)
_U64 = np.dtype(np.uint64)
_I64 = np.dtype(np.int64)


def _is_polars(x: object, kind: str) -> bool:
    # Looked up by module name so that plain NumPy callers never pay for importing polars.
    t = type(x)
    return t.__module__.startswith("polars") and t.__name__ == kind


def _from_polars_series(x: Any, name: str) -> np.ndarray[Any, Any]:
    nulls = int(x.null_count())
    if nulls:
        raise MissingValueError(f"{name} has {nulls} null values; fill or drop them first")
    try:
        out: np.ndarray[Any, Any] = x.to_numpy(allow_copy=False)
    except Exception:
        out = x.to_numpy()
    return out


def _from_polars_frame(x: Any, name: str) -> np.ndarray[Any, Any]:
    nulls = sum(int(c) for c in x.null_count().row(0))
    if nulls:
        raise MissingValueError(f"{name} has {nulls} null values; fill or drop them first")
    out: np.ndarray[Any, Any] = x.to_numpy(order="c")
    return out


def _as_ndarray(x: object, name: str) -> np.ndarray[Any, Any]:
    if isinstance(x, np.ndarray):
        return x
    if _is_polars(x, "Series"):
        return _from_polars_series(x, name)
    if _is_polars(x, "DataFrame"):
        return _from_polars_frame(x, name)
    if _is_polars(x, "LazyFrame"):
        return _from_polars_frame(x.collect(), name)  # type: ignore[attr-defined]
    if hasattr(x, "__cuda_array_interface__"):
        raise DtypeError(
            f"{name} is a GPU array ({type(x).__name__}); pass device='cuda' or copy it to host"
        )
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as e:
        raise DtypeError(f"{name} cannot be read as an array: {e}") from e


def _check_ndim(a: np.ndarray[Any, Any], name: str, ndim: int | None) -> None:
    if ndim is not None and a.ndim != ndim:
        raise ShapeMismatchError(
            f"shape mismatch for {name}: got {a.ndim}-D array of shape {a.shape}, expected {ndim}-D"
        )


def _check_nonempty(a: np.ndarray[Any, Any], name: str, allow_empty: bool) -> None:
    if a.size == 0 and not allow_empty:
        raise EmptyInputError(f"{name} is empty; expected at least one element")


def _first_bad(mask: np.ndarray[Any, Any]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def float_array(
    x: object,
    name: str,
    *,
    ndim: int | None = 1,
    dtypes: tuple[np.dtype[Any], ...] = (_F64,),
    allow_inf: bool = False,
    allow_neg_inf: bool = False,
    allow_empty: bool = False,
) -> npt.NDArray[np.floating]:
    """Return ``x`` as a C-contiguous float array of one of ``dtypes``.

    A float input of an accepted dtype is kept (``float32`` stays ``float32`` when allowed);
    integer, unsigned and narrower float inputs become ``dtypes[0]``. Booleans, complex numbers,
    strings and objects raise :class:`DtypeError`; NaN always raises :class:`NonFiniteError`, and so
    does an infinity unless ``allow_inf`` (or, for ``-inf`` alone, ``allow_neg_inf``) is set.
    """
    a = _as_ndarray(x, name)
    kind = a.dtype.kind
    if kind not in "fiu":
        raise DtypeError(
            f"{name} has dtype {a.dtype}, expected real numbers "
            f"({', '.join(str(d) for d in dtypes)})"
        )
    target = a.dtype if a.dtype in dtypes else dtypes[0]
    a = np.ascontiguousarray(a, dtype=target)
    _check_ndim(a, name, ndim)
    _check_nonempty(a, name, allow_empty)
    if kind == "f":
        nan = np.isnan(a)
        if nan.any():
            raise NonFiniteError(f"{name} has NaN at index {_first_bad(nan)}")
        if not allow_inf:
            inf = np.isposinf(a) if allow_neg_inf else np.isinf(a)
            if inf.any():
                where = _first_bad(inf)
                raise NonFiniteError(f"{name} has {a[where]} at index {where}; expected finite")
    return a


def int_array(
    x: object,
    name: str,
    *,
    ndim: int | None = 1,
    dtype: np.dtype[Any] = _I64,
    allow_empty: bool = False,
) -> npt.NDArray[np.integer]:
    """Return ``x`` as a C-contiguous integer array of ``dtype``.

    Integer inputs are converted when every value fits ``dtype``. Floats raise :class:`DtypeError`
    even when integral: a float id is usually a bug upstream (a join that introduced NaN, say).
    """
    a = _as_ndarray(x, name)
    _check_nonempty(a, name, allow_empty)
    if a.size == 0:
        a = a.astype(dtype)  # an empty list arrives as float64; there are no values to misread
    if a.dtype.kind not in "iu":
        raise DtypeError(f"{name} has dtype {a.dtype}, expected integers")
    _check_ndim(a, name, ndim)
    if a.dtype != dtype and a.size:
        info = np.iinfo(dtype)
        lo, hi = int(a.min()), int(a.max())
        if lo < info.min or hi > info.max:
            bad = lo if lo < info.min else hi
            raise OutOfRangeError(f"{name} value {bad} does not fit {dtype}")
    return np.ascontiguousarray(a, dtype=dtype)


def index_array(
    x: object,
    name: str,
    *,
    n: int | None = None,
    allow_empty: bool = False,
) -> npt.NDArray[np.int64]:
    """Return ids as C-contiguous ``int64``, each in ``[0, n)`` (only ``>= 0`` without ``n``)."""
    a = int_array(x, name, ndim=1, dtype=_I64, allow_empty=allow_empty)
    if a.size:
        neg = a < 0
        if neg.any():
            i = int(np.argmax(neg))
            raise OutOfRangeError(f"{name} out of range at index {i}: got {a[i]}, expected >= 0")
        if n is not None:
            big = a >= n
            if big.any():
                i = int(np.argmax(big))
                raise OutOfRangeError(
                    f"{name} out of range at index {i}: got {a[i]}, expected < {n}"
                )
    return a  # type: ignore[return-value]


def id_array(x: object, name: str, *, allow_empty: bool = False) -> npt.NDArray[np.uint64]:
    """Return opaque ids (cache keys, item ids) as C-contiguous ``uint64``.

    Unsigned input is used as is; signed input must be ``>= 0`` (a negative id is almost always a
    sentinel or an overflow upstream, so it is refused rather than reinterpreted).
    """
    if (
        type(x) is np.ndarray
        and x.dtype == _U64
        and x.ndim == 1
        and x.size
        and x.flags.c_contiguous
    ):
        # Already what is returned. The general checks cost about 15 us when caches are cold
        # (after any other work), as long as a small simulation.
        return x
    a = _as_ndarray(x, name)
    _check_nonempty(a, name, allow_empty)
    if a.size == 0:
        a = a.astype(np.uint64)  # an empty list arrives as float64; there are no values to misread
    if a.dtype.kind not in "iu":
        raise DtypeError(f"{name} has dtype {a.dtype}, expected integer ids")
    _check_ndim(a, name, 1)
    if a.dtype.kind == "i" and a.size:
        neg = a < 0
        if neg.any():
            i = int(np.argmax(neg))
            raise OutOfRangeError(f"{name} out of range at index {i}: got {a[i]}, expected >= 0")
    return np.ascontiguousarray(a, dtype=np.uint64)


def probability_array(
    x: object, name: str, *, ndim: int | None = 1, positive: bool = False
) -> npt.NDArray[np.float64]:
    """Return ``x`` as float64 probabilities: every value in [0, 1], or in (0, 1] with
    ``positive`` (propensities one divides by); otherwise :class:`OutOfRangeError` at the first
    bad index."""
    a = np.asarray(float_array(x, name, ndim=ndim), dtype=np.float64)
    bad = (a <= 0) | (a > 1) if positive else (a < 0) | (a > 1)
    if bad.any():
        i = int(np.argmax(bad.ravel()))
        want = "(0, 1]" if positive else "[0, 1]"
        raise OutOfRangeError(
            f"{name} out of range at index {i}: got {a.ravel()[i]}, "
            f"expected a probability in {want}"
        )
    return a


def positive_int(value: object, name: str) -> int:
    """Return a count or size as ``int``; refuse booleans, non-integers and values below 1."""
    if type(value) is int and value > 0:
        # The common case, before the isinstance checks (microseconds when caches are cold).
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected a positive integer")
    return int(value)


def int_at_least(value: object, name: str, minimum: int) -> int:
    """Return a count as ``int``; refuse booleans, non-integers and values below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidParameterError(
            f"invalid {name}: got {value!r}, expected an integer >= {minimum}"
        )
    return int(value)


def positive_float(value: object, name: str) -> float:
    """Return a finite value > 0 (a regularization, a tolerance) as ``float``."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not (math.isfinite(v) and v > 0):
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected a finite value > 0")
    return v


def same_length(**arrays: np.ndarray[Any, Any]) -> int:
    """Return the common length of ``arrays``; raise :class:`ShapeMismatchError` if they differ."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        got = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ShapeMismatchError(f"shape mismatch: lengths differ ({got})")
    return next(iter(lengths.values()), 0)


def to_frame(columns: Mapping[str, object]) -> pl.DataFrame:
    """Build a ``polars.DataFrame`` from NumPy columns (no copy for numeric ones)."""
    import polars as pl

    return pl.DataFrame(dict(columns))
