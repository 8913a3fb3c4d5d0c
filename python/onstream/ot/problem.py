"""A transport problem as the solvers take it: validated weights, and a cost given either as a dense
matrix or as two point clouds (squared Euclidean, computed on the fly).

Zero-weight points carry no mass and would put ``log 0`` into the log-domain updates, so they are
set aside here and put back in every output (potential ``-inf``, an empty row or column of the
plan): the solvers only ever see positive weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from onstream._convert import float_array
from onstream._typing import F64Array
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError

__all__ = ["Problem", "make_problem"]


@dataclass(frozen=True)
class Problem:
    """Positive weights and the cost restricted to their support, plus the map back."""

    a: F64Array
    b: F64Array
    cost: F64Array | None
    x: F64Array | None
    y: F64Array | None
    rows: np.ndarray[Any, np.dtype[np.intp]]
    cols: np.ndarray[Any, np.dtype[np.intp]]
    shape: tuple[int, int]

    @property
    def support_shape(self) -> tuple[int, int]:
        return (self.a.size, self.b.size)

    def core_args(self) -> dict[str, F64Array | None]:
        """The ``cost``/``x``/``y`` keyword arguments of the native functions."""
        return {"cost": self.cost, "x": self.x, "y": self.y}

    def expand_rows(self, v: F64Array, fill: float) -> F64Array:
        if v.size == self.shape[0]:
            return v
        out = np.full(self.shape[0], fill)
        out[self.rows] = v
        return out

    def expand_cols(self, v: F64Array, fill: float) -> F64Array:
        if v.size == self.shape[1]:
            return v
        out = np.full(self.shape[1], fill)
        out[self.cols] = v
        return out


def _weights(w: object, name: str, size: int) -> F64Array:
    if w is None:
        return np.full(size, 1.0 / size)
    arr = float_array(w, name)
    if arr.size != size:
        side = "rows of the cost (or points in x)" if name == "a" else "columns (or points in y)"
        raise ShapeMismatchError(f"{name} has {arr.size} weights but there are {size} {side}")
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise OutOfRangeError(
            f"{name} has a negative weight {arr[neg[0]]} at index {neg[0]}; expected weights >= 0"
        )
    return arr.astype(np.float64, copy=False)


def make_problem(a: object, b: object, cost: object, x: object, y: object) -> Problem:
    """Validate and normalize the inputs of :func:`onstream.ot.sinkhorn`."""
    if cost is not None and (x is not None or y is not None):
        raise InvalidParameterError("give either cost= or the point clouds x= and y=, not both")
    c_arr = x_arr = y_arr = None
    if cost is not None:
        c_arr = float_array(cost, "cost", ndim=2)
        n, m = c_arr.shape
    elif x is not None and y is not None:
        x_arr = float_array(x, "x", ndim=2)
        y_arr = float_array(y, "y", ndim=2)
        if x_arr.shape[1] != y_arr.shape[1]:
            raise ShapeMismatchError(
                f"x has points of dimension {x_arr.shape[1]} but y of dimension {y_arr.shape[1]}"
            )
        n, m = x_arr.shape[0], y_arr.shape[0]
    else:
        raise InvalidParameterError(
            "missing cost: give cost= (a matrix) or both x= and y= (points)"
        )
    wa, wb = _weights(a, "a", n), _weights(b, "b", m)
    rows, cols = np.flatnonzero(wa > 0), np.flatnonzero(wb > 0)
    if rows.size == 0 or cols.size == 0:
        raise InvalidParameterError("a and b must each have some positive weight")
    if rows.size < n:
        wa = wa[rows]
        c_arr = None if c_arr is None else c_arr[rows]
        x_arr = None if x_arr is None else x_arr[rows]
    if cols.size < m:
        wb = wb[cols]
        c_arr = None if c_arr is None else np.ascontiguousarray(c_arr[:, cols])
        y_arr = None if y_arr is None else y_arr[cols]
    return Problem(
        a=np.ascontiguousarray(wa),
        b=np.ascontiguousarray(wb),
        cost=None if c_arr is None else np.ascontiguousarray(c_arr),
        x=None if x_arr is None else np.ascontiguousarray(x_arr),
        y=None if y_arr is None else np.ascontiguousarray(y_arr),
        rows=rows,
        cols=cols,
        shape=(n, m),
    )
