"""Entropic Wasserstein distances between point clouds and between 2-D histograms (images)."""

from __future__ import annotations

from typing import Any

import numpy as np

from onstream._convert import float_array
from onstream._typing import F64Array, FloatArray
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.ot.sinkhorn import Method, sinkhorn

__all__ = ["wasserstein_images", "wasserstein_points"]


def _euclidean(x: FloatArray, y: FloatArray) -> F64Array:
    d2 = ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)
    out: F64Array = np.sqrt(d2)
    return out


def wasserstein_points(
    x: Any,
    y: Any,
    a: Any = None,
    b: Any = None,
    *,
    reg: float,
    p: int = 2,
    method: Method = "sns",
    tol: float = 1e-9,
) -> float:
    """The entropic p-Wasserstein distance between weighted point clouds ``x`` and ``y``.

    ``p=2``: ``sqrt(<C, P>)`` with the squared Euclidean cost, computed on the fly (no ``n × m``
    matrix). ``p=1``: ``<C, P>`` with the Euclidean cost (a dense matrix is built). ``P`` is the
    entropic plan at ``reg``; as ``reg → 0`` the value tends to the exact distance from above.
    """
    if p == 2:
        res = sinkhorn(a, b, x=x, y=y, reg=reg, method=method, tol=tol)
        return float(np.sqrt(max(res.cost, 0.0)))
    if p == 1:
        xa, ya = float_array(x, "x", ndim=2), float_array(y, "y", ndim=2)
        res = sinkhorn(a, b, _euclidean(xa, ya), reg=reg, method=method, tol=tol)
        return float(res.cost)
    raise InvalidParameterError(f"invalid p: got {p!r}, expected 1 or 2")


def _histogram(img: Any, name: str) -> tuple[F64Array, F64Array, tuple[int, int]]:
    arr = float_array(img, name, ndim=2)
    if (arr < 0).any():
        raise OutOfRangeError(f"{name} has negative pixels; expected a nonnegative density")
    total = arr.sum()
    if total <= 0:
        raise InvalidParameterError(f"{name} has no mass (every pixel is 0)")
    rows, cols = np.nonzero(arr)
    coords = np.stack([rows, cols], axis=1).astype(np.float64)
    shape = (int(arr.shape[0]), int(arr.shape[1]))
    return coords, arr[rows, cols] / total, shape


def wasserstein_images(
    img1: Any,
    img2: Any,
    *,
    reg: float,
    p: int = 2,
    method: Method = "sns",
    tol: float = 1e-9,
) -> float:
    """The entropic p-Wasserstein distance between two nonnegative 2-D arrays seen as histograms.

    Each image is normalized to total mass 1 and placed on its pixel grid; distances are measured
    in units of the larger side of the two images (so 1.0 is a whole image width) and ``reg`` is
    in those units squared for ``p=2``. Only nonzero pixels become points.
    """
    x, wa, s1 = _histogram(img1, "img1")
    y, wb, s2 = _histogram(img2, "img2")
    scale = float(max(*s1, *s2))
    return wasserstein_points(x / scale, y / scale, wa, wb, reg=reg, p=p, method=method, tol=tol)
