"""The CUDA path of :func:`onstream.ot.sinkhorn`: log-domain Sinkhorn driven from Python over the
fused kernels of ``gpu/sinkhorn.cu`` (cost computed on the fly for point clouds).

Inputs are validated on the host (:func:`~onstream.ot.problem.make_problem`), then copied to the
current device once; each sweep is two kernel launches and a handful of cupy element-wise ops, and
the only host synchronization per sweep is the marginal-error check.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from onstream.exceptions import InvalidParameterError
from onstream.gpu import get_function
from onstream.ot.problem import Problem, make_problem
from onstream.ot.result import TransportResult

__all__ = ["sinkhorn"]

_BLOCK = 256


def _host(v: Any) -> Any:
    if v is not None and hasattr(v, "__cuda_array_interface__"):
        import cupy

        return cupy.asnumpy(v)
    return v


class _Device:
    """The problem's arrays on the GPU and the two fused reductions over them."""

    def __init__(self, p: Problem) -> None:
        import cupy

        self.cp = cupy
        self.n, self.m = p.support_shape
        up = cupy.asarray
        self.cost = None if p.cost is None else up(p.cost)
        self.x = None if p.x is None else up(p.x)
        self.y = None if p.y is None else up(p.y)
        self.d = 0 if p.x is None else int(p.x.shape[1])
        self.log_a, self.log_b = cupy.log(up(p.a)), cupy.log(up(p.b))
        self.a, self.b = up(p.a), up(p.b)

    def _rows(self, pts: tuple[Any, Any] | None, h: Any, n: int, m: int, inv_eps: float) -> Any:
        out = self.cp.empty(n, dtype=self.cp.float64)
        shared = 2 * _BLOCK * 8
        grid = (min(n, 65535),)
        args: tuple[Any, ...]
        if pts is None:
            k = get_function("sinkhorn", "ot_lse_rows_dense<double>")
            args = (self.cost, h, out, np.int64(n), np.int64(m), np.float64(inv_eps))
        else:
            k = get_function("sinkhorn", "ot_lse_rows_sqeuclid<double>")
            args = (pts[0], pts[1], h, out, np.int64(n), np.int64(m), np.int32(self.d),
                    np.float64(inv_eps))  # fmt: skip
        k(grid, (_BLOCK,), args, shared_mem=shared)
        return out

    def lse_rows(self, g: Any, inv_eps: float) -> Any:
        pts = None if self.cost is not None else (self.x, self.y)
        return self._rows(pts, g, self.n, self.m, inv_eps)

    def lse_cols(self, f: Any, inv_eps: float) -> Any:
        if self.cost is None:
            return self._rows((self.y, self.x), f, self.m, self.n, inv_eps)
        out = self.cp.empty(self.m, dtype=self.cp.float64)
        k = get_function("sinkhorn", "ot_lse_cols_dense<double>")
        grid = (min((self.m + _BLOCK - 1) // _BLOCK, 65535),)
        k(grid, (_BLOCK,), (self.cost, f, out, np.int64(self.n), np.int64(self.m),
                            np.float64(inv_eps)))  # fmt: skip
        return out

    def transport_cost(self, f: Any, g: Any, inv_eps: float) -> float:
        mass = self.cp.empty(self.n, dtype=self.cp.float64)
        lin = self.cp.empty(self.n, dtype=self.cp.float64)
        grid = (min(self.n, 65535),)
        args: tuple[Any, ...]
        if self.cost is not None:
            k = get_function("sinkhorn", "ot_moments_dense<double>")
            args = (self.cost, f, g, mass, lin, np.int64(self.n), np.int64(self.m),
                    np.float64(inv_eps))  # fmt: skip
        else:
            k = get_function("sinkhorn", "ot_moments_sqeuclid<double>")
            args = (self.x, self.y, f, g, mass, lin, np.int64(self.n), np.int64(self.m),
                    np.int32(self.d), np.float64(inv_eps))  # fmt: skip
        k(grid, (_BLOCK,), args, shared_mem=2 * _BLOCK * 8)
        return float(lin.sum())

    def max_cost(self) -> float:
        if self.cost is not None:
            return float(self.cost.max())
        both = self.cp.concatenate([self.x, self.y])
        return float(((both.max(axis=0) - both.min(axis=0)) ** 2).sum())


def sinkhorn(
    a: Any,
    b: Any,
    cost: Any,
    x: Any,
    y: Any,
    *,
    reg: float,
    method: str,
    tol: float,
    max_iter: int,
    eps_scaling: float | None,
) -> TransportResult:
    """Log-domain Sinkhorn on the current CUDA device (see :func:`onstream.ot.sinkhorn`)."""
    if method != "log":
        raise InvalidParameterError(
            f"invalid method for device='cuda': got {method!r}; the CUDA path runs 'log' "
            "(run 'sinkhorn' and 'sns' with device='cpu')"
        )
    from onstream.ot.sinkhorn import finish_device

    p = make_problem(_host(a), _host(b), _host(cost), _host(x), _host(y))
    dev = _Device(p)
    cp = dev.cp
    f = cp.zeros(dev.n, dtype=cp.float64)
    g = cp.zeros(dev.m, dtype=cp.float64)
    stages: list[float] = []
    if eps_scaling is not None:
        e = dev.max_cost()
        while e > reg and len(stages) < 200:
            stages += [e, e]
            e *= eps_scaling
    log: dict[str, list[Any]] = {k: [] for k in ("iteration", "stage", "reg", "marginal_error",
                                                  "passes", "work")}  # fmt: skip
    passes, it, err, converged = 0, 0, math.inf, False
    while it < max_iter:
        eps = stages[it] if it < len(stages) else reg
        inv = 1.0 / eps
        lse = dev.lse_rows(g, inv)
        passes += 1
        err = float(cp.abs(cp.exp(f * inv + lse) - dev.a).sum())
        if it >= len(stages) and err <= tol:
            converged = True
            break
        f = eps * (dev.log_a - lse)
        g = eps * (dev.log_b - dev.lse_cols(f, inv))
        passes += 1
        it += 1
        row = (it, "scaling" if eps != reg else "sinkhorn", eps, err, passes, passes)
        for k, v in zip(log, row, strict=True):
            log[k].append(v)
    if not converged:
        inv = 1.0 / reg
        err = float(cp.abs(cp.exp(f * inv + dev.lse_rows(g, inv)) - dev.a).sum())
        passes += 1
        converged = err <= tol
    out = {
        "f": cp.asnumpy(f), "g": cp.asnumpy(g), "marginal_error": err, "converged": converged,
        "n_iter": it, "sinkhorn_iter": it, "newton_iter": 0, "cg_iter": 0, "passes": passes,
        "work": float(passes), "log": log,
    }  # fmt: skip
    return finish_device(p, out, reg=reg, cost=dev.transport_cost(f, g, 1.0 / reg))
