"""Jacobi-preconditioned conjugate gradients on the GPU for the Newton systems of
:mod:`onstream.ot._cuda_sns`, over a cupyx (cuSPARSE) sparse matrix.

Not ``cupyx.scipy.sparse.linalg.cg``: that one reads the residual norm back to the host after
every iteration, and at the sizes SNS solves (``n + m`` unknowns, a few hundred iterations a step)
those round trips, not the arithmetic, are the cost. Here the scalars stay on the device (``rz``,
``pq`` are device arrays read by the fused update kernels), an iteration is six launches with no
synchronization, and the residual is read every ``CHECK`` iterations.
"""

from __future__ import annotations

import functools
import math
from typing import Any

__all__ = ["CHECK", "pcg"]

#: Iterations between reads of the residual norm.
CHECK = 8


@functools.cache
def _kernels() -> tuple[Any, Any, Any, Any]:
    import cupy

    dot = cupy.ReductionKernel(
        "T x, T y", "T out", "x * y", "a + b", "out = a", "0", "onstream_cg_dot"
    )
    # alpha = rz / pq; x += alpha p; r -= alpha q; z = M^-1 r (x, r, z are updated in place).
    update = cupy.ElementwiseKernel(
        "T p, T q, T inv_d, raw T rz, raw T pq",
        "T x, T r, T z",
        "T alpha = rz[0] / pq[0]; x += alpha * p; r -= alpha * q; z = r * inv_d;",
        "onstream_cg_update",
    )
    # p = z + (rz_new / rz) p
    direction = cupy.ElementwiseKernel(
        "T z, raw T rz_new, raw T rz", "T p", "p = z + (rz_new[0] / rz[0]) * p", "onstream_cg_dir"
    )
    # q += d p: the diagonal term of a product
    matvec = cupy.ElementwiseKernel("T d, T p", "T q", "q += d * p", "onstream_cg_diag")
    return dot, update, direction, matvec


def pcg(off: Any, diag: Any, b: Any, rtol: float, max_iter: int) -> tuple[Any, int]:
    """Solve ``(off + diag(diag)) x = b`` (symmetric positive semidefinite, ``off`` a sparse matrix
    with nothing on its diagonal, ``diag`` positive) from ``x = 0`` to a residual of ``rtol·‖b‖``
    or ``max_iter`` iterations, preconditioned by the diagonal. Returns the solution and the
    iterations run. A breakdown (``pᵀAp`` not positive: singular along ``p``) returns the last
    iterate checked whose residual was finite."""
    import cupy

    dot, update, direction, matvec = _kernels()
    inv_d = 1.0 / diag
    x = cupy.zeros_like(b)
    r = b.copy()
    z = r * inv_d
    p = z.copy()
    # 1-element views: the update kernels read the scalars as raw arrays.
    rz = dot(r, z).reshape(1)
    target = (rtol * float(cupy.linalg.norm(b))) ** 2
    good, good_it, it = x.copy(), 0, 0
    while it < max_iter:
        q = off @ p
        matvec(diag, p, q)
        pq = dot(p, q).reshape(1)
        update(p, q, inv_d, rz, pq, x, r, z)
        rz_new = dot(r, z).reshape(1)
        direction(z, rz_new, rz, p)
        rz = rz_new
        it += 1
        if it % CHECK == 0 or it == max_iter:
            rr = float(dot(r, r))
            if not math.isfinite(rr) or float(pq[0]) <= 0.0:
                return good, good_it
            if rr <= target:
                return x, it
            good, good_it = x.copy(), it
    return x, it
