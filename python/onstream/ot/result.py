"""What :func:`onstream.ot.sinkhorn` returns: potentials, the plan on demand, how it got there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from onstream import _core
from onstream._typing import F64Array
from onstream.ot.problem import Problem

__all__ = ["SparsePlan", "TransportResult"]


@dataclass(frozen=True)
class SparsePlan:
    """A transport plan in compressed sparse rows (what SNS returns): the entries that carry mass.

    ``indptr[i]:indptr[i + 1]`` index row ``i``'s entries in ``indices`` (columns) and ``data``.
    """

    indptr: np.ndarray[Any, np.dtype[np.int64]]
    indices: np.ndarray[Any, np.dtype[np.int32]]
    data: F64Array
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        """Stored entries."""
        return int(self.data.size)

    def toarray(self) -> F64Array:
        """The dense ``n × m`` matrix."""
        out = np.zeros(self.shape)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out

    def to_scipy(self) -> Any:
        """A ``scipy.sparse.csr_array`` (needs scipy)."""
        from scipy import sparse

        return sparse.csr_array((self.data, self.indices, self.indptr), shape=self.shape)

    def to_polars(self) -> pl.DataFrame:
        """One row per stored entry: ``source``, ``target``, ``mass``."""
        rows = np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))
        return pl.DataFrame({"source": rows, "target": self.indices, "mass": self.data})


@dataclass
class TransportResult:
    """The solution of an entropic transport problem.

    ``f`` and ``g`` are the dual potentials in cost units (``-inf`` at zero-weight points); the plan
    is ``P_ij = exp((f_i + g_j - C_ij) / reg)``. ``cost`` is the transport cost ``<C, P>`` (without
    the entropy term). ``marginal_error`` is the larger L1 violation of the two marginals by the
    returned potentials. ``passes`` counts dense passes over the cost; ``work`` adds the sparse
    Newton products in dense-pass equivalents. ``log`` has one row per iteration.
    """

    f: F64Array
    g: F64Array
    reg: float
    method: str
    cost: float
    marginal_error: float
    converged: bool
    n_iter: int
    sinkhorn_iter: int
    newton_iter: int
    cg_iter: int
    passes: int
    work: float
    log: pl.DataFrame
    device: str
    _problem: Problem = field(repr=False)
    _sparse: SparsePlan | None = field(default=None, repr=False)
    _dense: F64Array | None = field(default=None, repr=False)

    @property
    def plan(self) -> F64Array | SparsePlan:
        """The plan: a dense ``n × m`` array, or a :class:`SparsePlan` for ``method="sns"`` (the
        entries that carry all but ``1e-12`` of each row's mass)."""
        if self._sparse is not None:
            return self._sparse
        return self.dense_plan()

    def dense_plan(self) -> F64Array:
        """The plan as a dense ``n × m`` array (computed once, from the potentials)."""
        if self._dense is None:
            p = self._problem
            sub = _core.ot_dense_plan(
                **p.core_args(), f=self.f[p.rows], g=self.g[p.cols], reg=self.reg
            )
            if sub.shape == p.shape:
                self._dense = sub
            else:
                full = np.zeros(p.shape)
                full[np.ix_(p.rows, p.cols)] = sub
                self._dense = full
        return self._dense
