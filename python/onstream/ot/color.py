"""Colour transfer through optimal transport between two images' colour distributions (the
application of Ferradans et al., "Regularized discrete optimal transport", 2014, as in POT's
colour-adaptation example), made exact for every pixel by working on colour histograms.

Each image's colours are binned on a ``bins³`` RGB grid; the occupied bins (their mean colour,
their pixel share) are the two measures. The entropic plan between them maps each source bin to the
barycentre of the target colours it sends mass to, and every pixel moves by its bin's displacement:
no sampling, and every pixel of the same colour gets the same new colour.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from onstream._typing import F64Array
from onstream.exceptions import DtypeError, InvalidParameterError, ShapeMismatchError
from onstream.ot.result import SparsePlan
from onstream.ot.sinkhorn import Method, sinkhorn

__all__ = ["color_transfer", "palette"]


def _rgb(img: Any, name: str) -> tuple[F64Array, bool]:
    arr = np.asarray(img)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ShapeMismatchError(f"{name} has shape {arr.shape}; expected (height, width, 3 or 4)")
    if arr.size == 0:
        raise InvalidParameterError(f"{name} is empty")
    if arr.dtype == np.uint8:
        return arr[..., :3].astype(np.float64) / 255.0, True
    if arr.dtype.kind != "f":
        raise DtypeError(f"{name} has dtype {arr.dtype}; expected uint8 or floats in [0, 1]")
    out = arr[..., :3].astype(np.float64)
    if not np.isfinite(out).all() or out.min() < 0 or out.max() > 1:
        raise InvalidParameterError(f"{name} has values outside [0, 1] or NaN")
    return out, False


def palette(rgb: F64Array, bins: int) -> tuple[np.ndarray[Any, Any], F64Array, F64Array]:
    """Bin index of each pixel, and the occupied bins' mean colours and pixel shares."""
    flat = rgb.reshape(-1, 3)
    q = np.minimum((flat * bins).astype(np.int64), bins - 1)
    key = (q[:, 0] * bins + q[:, 1]) * bins + q[:, 2]
    occupied, index = np.unique(key, return_inverse=True)
    counts = np.bincount(index, minlength=occupied.size).astype(np.float64)
    means = (
        np.stack(
            [np.bincount(index, weights=flat[:, k], minlength=occupied.size) for k in range(3)], 1
        )
        / counts[:, None]
    )
    return index, means, counts / counts.sum()


def color_transfer(
    source: Any,
    target: Any,
    *,
    bins: int = 16,
    reg: float = 1e-3,
    method: Method = "sns",
) -> Any:
    """``source`` recoloured with the colour distribution of ``target``.

    Images are ``(height, width, 3 or 4)`` arrays, uint8 or floats in ``[0, 1]`` (alpha is dropped);
    the result has the source's shape (3 channels) and dtype. ``reg`` is in squared RGB units (the
    cube ``[0, 1]³``); smaller keeps more of the source's contrast.
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 64:
        raise InvalidParameterError(f"invalid bins: got {bins!r}, expected an int in [2, 64]")
    src, was_u8 = _rgb(source, "source")
    dst, _ = _rgb(target, "target")
    index, xs, wa = palette(src, int(bins))
    _, ys, wb = palette(dst, int(bins))
    res = sinkhorn(wa, wb, x=xs, y=ys, reg=reg, method=method)
    plan = res.plan
    if isinstance(plan, SparsePlan):
        rows = np.repeat(np.arange(plan.shape[0]), np.diff(plan.indptr))
        moved = np.zeros_like(xs)
        np.add.at(moved, rows, plan.data[:, None] * ys[plan.indices])
        mass = np.bincount(rows, weights=plan.data, minlength=plan.shape[0])
    else:
        moved = plan @ ys
        mass = plan.sum(axis=1)
    # Each bin goes to the barycentre of the colours its mass is sent to.
    shift = moved / mass[:, None] - xs
    out = np.clip(src.reshape(-1, 3) + shift[index], 0.0, 1.0).reshape(src.shape)
    if was_u8:
        return np.rint(out * 255.0).astype(np.uint8)
    return out.astype(np.asarray(source).dtype)
