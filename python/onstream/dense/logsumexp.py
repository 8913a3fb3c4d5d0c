"""Row-wise and column-wise log-sum-exp, the reduction at the heart of log-domain Sinkhorn."""

from __future__ import annotations

from typing import Any

import numpy as np

from onstream import _core
from onstream._convert import float_array
from onstream._typing import Device
from onstream.exceptions import EmptyInputError, InvalidParameterError, NonFiniteError
from onstream.gpu import get_function, resolve_device

__all__ = ["logsumexp"]

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))
_BLOCK = 256


def logsumexp(x: Any, axis: int = 1, *, device: Device = "auto") -> Any:
    """Log-sum-exp of a 2-D array along ``axis``, computed without overflow.

    ``out[i] = m_i + log(sum_j exp(x[i, j] - m_i))`` with ``m_i = max_j x[i, j]`` for ``axis=1``
    (one value per row), or the same down each column for ``axis=0``. ``-inf`` entries count as zero
    weight and a line of them gives ``-inf``; ``+inf`` gives ``+inf``; NaN is refused. Sums run in
    float64 on the CPU; float32 input gives float32 output.

    Parameters
    ----------
    x:
        A 2-D float32 or float64 array (NumPy, polars DataFrame, nested sequences, or a cupy array
        with ``device="cuda"``/``"auto"``). Integers are converted to float64.
    axis:
        1 for one value per row, 0 for one value per column (NumPy's convention).
    device:
        ``"cpu"`` (Rust, all cores), ``"cuda"`` (``gpu/logsumexp.cu``; a host array is copied to the
        device and the result copied back) or ``"auto"`` (CUDA for cupy input, else CPU).

    Returns
    -------
    A 1-D array of the input's float type: NumPy, or cupy for cupy input.
    """
    if axis not in (0, 1) or isinstance(axis, bool):
        raise InvalidParameterError(f"invalid axis: got {axis!r}, expected 0 or 1")
    where = resolve_device(device, x)
    if where == "cuda":
        return _logsumexp_cuda(x, axis)
    a = float_array(x, "x", ndim=2, dtypes=_FLOATS, allow_inf=True)
    return _core.logsumexp(a, axis)


def _logsumexp_cuda(x: Any, axis: int) -> Any:
    import cupy

    on_host = not hasattr(x, "__cuda_array_interface__")
    if on_host:
        x = float_array(x, "x", ndim=2, dtypes=_FLOATS, allow_inf=True)
    a = cupy.ascontiguousarray(cupy.asarray(x))
    if a.dtype not in _FLOATS:
        a = a.astype(cupy.float64)
    if a.ndim != 2:
        raise InvalidParameterError(f"invalid x: got a {a.ndim}-D array, expected 2-D")
    if a.size == 0:
        raise EmptyInputError("x is empty; expected at least one element")
    if not on_host and bool(cupy.isnan(a).any()):
        raise NonFiniteError("x has NaN")
    n_rows, n_cols = a.shape
    ctype = "float" if a.dtype == np.float32 else "double"
    out = cupy.empty(n_rows if axis == 1 else n_cols, dtype=a.dtype)
    args = (a, out, np.int64(n_rows), np.int64(n_cols))
    if axis == 1:
        kernel = get_function("logsumexp", f"lse_rows<{ctype}>")
        grid = min(n_rows, 65535)
        kernel((grid,), (_BLOCK,), args, shared_mem=2 * _BLOCK * a.itemsize)
    else:
        kernel = get_function("logsumexp", f"lse_cols<{ctype}>")
        grid = min((n_cols + _BLOCK - 1) // _BLOCK, 65535)
        kernel((grid,), (_BLOCK,), args)
    return cupy.asnumpy(out) if on_host else out
