"""The device side of the CUDA path of :func:`onstream.ot.sinkhorn`: a problem's arrays on the GPU,
the launches of the kernels in ``gpu/sinkhorn.cu`` over them, and the iteration tally.

Inputs are validated on the host (:func:`~onstream.ot.problem.make_problem`), then copied to the
current device once. Point clouds stay point clouds: the kernels compute the squared Euclidean cost
on the fly, so nothing ``n × m`` lives on the GPU for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from onstream.gpu import get_function
from onstream.ot.problem import Problem

__all__ = ["LOG_COLUMNS", "Device", "Tally", "host"]

_BLOCK = 256
#: Column LSE blocks (``ot_lse_cols_dense``): 32 adjacent columns by 8 row lanes, and the grid's
#: target size (about two waves of such blocks on an H100/H200: 132 SMs, 8 resident on each).
_COL_TILE, _COL_LANES, _COL_BLOCKS = 32, 8, 2048
#: Fewest rows in a slab, so that each row lane adds at least 8 terms before the merges.
_MIN_SLAB = 64
#: Bins of the per-row histogram that stands in for sorting a row (``gpu/sinkhorn.cu``).
_BINS = 256
#: Columns of a result's convergence log.
LOG_COLUMNS = ("iteration", "stage", "reg", "marginal_error", "passes", "work")


def host(v: Any) -> Any:
    """``v`` as a host array when it is a device array (the facade validates on the host)."""
    if v is not None and hasattr(v, "__cuda_array_interface__"):
        import cupy

        return cupy.asnumpy(v)
    return v


@dataclass
class Tally:
    """Iterations, dense passes and sparse work so far, and the convergence log (the counters of
    the CPU path's ``Tally``, with the same meaning)."""

    iter: int = 0
    sinkhorn: int = 0
    newton: int = 0
    cg: int = 0
    passes: int = 0
    sparse_work: float = 0.0
    log: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in LOG_COLUMNS})

    def work(self) -> float:
        return self.passes + self.sparse_work

    def record(self, stage: str, eps: float, err: float) -> None:
        self.iter += 1
        if stage == "newton":
            self.newton += 1
        else:
            self.sinkhorn += 1
        row = (self.iter, stage, eps, err, self.passes, self.work())
        for k, v in zip(LOG_COLUMNS, row, strict=True):
            self.log[k].append(v)

    def outcome(self, f: Any, g: Any, err: float, tol: float) -> dict[str, Any]:
        import cupy

        return {
            "f": cupy.asnumpy(f), "g": cupy.asnumpy(g), "marginal_error": err,
            "converged": err <= tol, "n_iter": self.iter, "sinkhorn_iter": self.sinkhorn,
            "newton_iter": self.newton, "cg_iter": self.cg, "passes": self.passes,
            "work": self.work(), "log": self.log,
        }  # fmt: skip


class Device:
    """The problem's arrays on the current GPU and the fused passes over them. Every pass reads the
    cost (or computes it) once; none of them stores anything ``n × m``."""

    def __init__(self, a: Any, b: Any, cost: Any = None, x: Any = None, y: Any = None) -> None:
        """From validated float64 weights (positive) and a cost or two point clouds, on the host
        or already on the device (then nothing is copied)."""
        import cupy

        self.cp = cupy
        up = cupy.asarray
        self.a, self.b = up(a), up(b)
        self.n, self.m = int(self.a.size), int(self.b.size)
        self.cost = None if cost is None else up(cost)
        self.x = None if x is None else up(x)
        self.y = None if y is None else up(y)
        self.d = 0 if x is None else int(x.shape[1])
        self.log_a, self.log_b = cupy.log(self.a), cupy.log(self.b)
        # Stands in for the pointers a kernel does not read (the cost for clouds, x/y for dense).
        self._unused = cupy.zeros(1, dtype=cupy.float64)

    @classmethod
    def from_problem(cls, p: Problem) -> Device:
        """A validated problem's arrays, copied to the current device."""
        return cls(p.a, p.b, p.cost, p.x, p.y)

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
        """``LSE_j (g_j - C_ij) / eps`` for every row ``i``."""
        pts = None if self.cost is not None else (self.x, self.y)
        return self._rows(pts, g, self.n, self.m, inv_eps)

    def lse_cols(self, f: Any, inv_eps: float) -> Any:
        """``LSE_i (f_i - C_ij) / eps`` for every column ``j``."""
        if self.cost is None:
            return self._rows((self.y, self.x), f, self.m, self.n, inv_eps)
        cp, n, m = self.cp, self.n, self.m
        out = cp.empty(m, dtype=cp.float64)
        tiles = -(-m // _COL_TILE)
        # Slabs of rows until the grid has about _COL_BLOCKS blocks, none under _MIN_SLAB rows.
        slabs = max(1, min(-(-n // _MIN_SLAB), -(-_COL_BLOCKS // tiles), 65535))
        slab = -(-n // slabs)
        slabs = -(-n // slab)
        part = cp.empty((2, slabs, m) if slabs > 1 else (2, 1), dtype=cp.float64)
        get_function("sinkhorn", "ot_lse_cols_dense<double>")(
            (tiles, slabs), (_COL_TILE, _COL_LANES),
            (self.cost, f, out, part[0], part[1], np.int64(n), np.int64(m), np.int64(slab),
             np.float64(inv_eps)),
            shared_mem=2 * _COL_TILE * _COL_LANES * 8,
        )  # fmt: skip
        if slabs > 1:
            get_function("sinkhorn", "ot_lse_cols_finish<double>")(
                (min(-(-m // _BLOCK), 65535),), (_BLOCK,),
                (part[0], part[1], out, np.int64(slabs), np.int64(m)),
            )  # fmt: skip
        return out

    def sparsify(self, f: Any, g: Any, lse: Any, inv_eps: float, drop: float, max_keep: int) -> Any:
        """The plan at ``(f, g)`` sparsified row by row, as a cupyx CSR matrix with sorted indices:
        each row keeps its heaviest entries, leaving out at most ``drop`` of its mass, at most
        ``max_keep`` of them. ``lse`` is :meth:`lse_rows` of ``g`` (two dense passes)."""
        from cupyx.scipy import sparse

        cp = self.cp
        n, m = self.n, self.m
        # Bins span the shares a row can drop entries from: below exp(-span) an entry's share, times
        # the m entries, is under drop / e; everything lower shares the last bin.
        span = math.log(m) - math.log(drop) + 1.0 if drop > 0 else math.log(m) + 745.0
        width = np.float64(span / _BINS)
        c = self.cost if self.cost is not None else self._unused
        x = self.x if self.x is not None else self._unused
        y = self.y if self.y is not None else self._unused
        count = cp.empty(n, dtype=cp.int64)
        cut = cp.empty(n, dtype=cp.int32)
        full = cp.empty(n, dtype=cp.int64)
        grid, block = (min(n, 65535),), (_BLOCK,)
        get_function("sinkhorn", "ot_sparsify_count<double>")(
            grid, block, (c, x, y, np.int32(self.d), g, lse, count, cut, full, np.int64(n),
                          np.int64(m), np.float64(inv_eps), width, np.float64(drop),
                          np.int64(max_keep)),
        )  # fmt: skip
        indptr = cp.zeros(n + 1, dtype=cp.int64)
        indptr[1:] = cp.cumsum(count)
        nnz = int(indptr[-1])
        indices = cp.zeros(nnz, dtype=cp.int32)
        data = cp.zeros(nnz, dtype=cp.float64)
        get_function("sinkhorn", "ot_sparsify_fill<double>")(
            grid, block, (c, x, y, np.int32(self.d), f, g, lse, indptr, cut, full, indices, data,
                          np.int64(n), np.int64(m), np.float64(inv_eps), width),
        )  # fmt: skip
        plan = sparse.csr_matrix((data, indices, indptr), shape=(n, m))
        plan.sort_indices()  # rows arrive in the atomics' order; sorted, every result repeats
        return plan

    def transport_cost(self, f: Any, g: Any, inv_eps: float) -> float:
        """``<C, P>`` for the plan at ``(f, g)``."""
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
        """The largest cost (for clouds, the squared diagonal of their bounding box: an upper
        bound, which is all ε-scaling needs)."""
        if self.cost is not None:
            return float(self.cost.max())
        both = self.cp.concatenate([self.x, self.y])
        return float(((both.max(axis=0) - both.min(axis=0)) ** 2).sum())
