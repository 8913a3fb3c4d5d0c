"""``onstream.ot.sinkhorn``: entropic optimal transport by Sinkhorn or Sinkhorn-Newton-Sparse."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import polars as pl

from onstream import _core
from onstream._convert import int_at_least, positive_float
from onstream._typing import Device
from onstream.exceptions import InvalidParameterError
from onstream.gpu import resolve_device
from onstream.ot.problem import Problem, make_problem
from onstream.ot.result import SparsePlan, TransportResult

__all__ = ["Method", "sinkhorn"]

Method = Literal["sinkhorn", "log", "sns"]

#: Mass fraction per row left out of the sparse plan SNS returns.
PLAN_DROP = 1e-12

#: Largest kernel ``method="log"`` stores by default, in entries (1 GiB of float64).
KERNEL_BUDGET = 2**27


def sinkhorn(
    a: Any,
    b: Any,
    cost: Any = None,
    *,
    x: Any = None,
    y: Any = None,
    reg: float,
    method: Method = "log",
    tol: float = 1e-9,
    max_iter: int = 100_000,
    eps_scaling: float | None = None,
    warmup: int = 20,
    keep_drop: float = 1e-4,
    max_keep: int | None = None,
    store_kernel: bool | None = None,
    device: Device = "auto",
) -> TransportResult:
    """Entropic optimal transport between weights ``a`` and ``b``.

    Solves ``min <C, P> + reg * sum P_ij (log P_ij - 1)`` over plans with row sums ``a`` and column
    sums ``b``, for a dense cost matrix ``cost`` or for point clouds ``x`` (``n × d``) and ``y``
    (``m × d``) with the squared Euclidean cost computed on the fly (no ``n × m`` matrix is stored
    for ``method="log"`` or ``"sns"``).

    Methods:

    * ``"log"``: log-domain Sinkhorn (Cuturi 2013; stabilized as in Schmitzer 2019); works at any
      ``reg``. With a stored kernel (``store_kernel``) a sweep is two matrix-vector products on the
      kernel of the potentials absorbed so far; without, two fused exponential passes over the cost
      (nothing ``n × m`` is stored, and point clouds never form the cost matrix).
    * ``"sinkhorn"``: kernel-domain matrix scaling with ``K = exp(-C/reg)`` stored (what POT's
      ``ot.sinkhorn`` runs): the cheapest sweep, but :class:`~onstream.NumericalError` when the
      kernel underflows at small ``reg``.
    * ``"sns"``: Sinkhorn-Newton-Sparse (Tang et al., "Accelerating Sinkhorn Algorithm with Sparse
      Newton Iterations", ICLR 2024): ``warmup`` Sinkhorn sweeps, then Newton steps with a Hessian
      sparsified row by row (each row keeps its heaviest entries until at most ``keep_drop`` of its
      mass is left out, at most ``max_keep`` entries), solved by conjugate gradients with a line
      search; falls back to Sinkhorn sweeps when Newton stalls. Quadratic convergence: marginal
      errors of 1e-9 and below in a few dozen passes where Sinkhorn needs thousands at small reg.

    Parameters
    ----------
    a, b:
        Nonnegative weights summing to 1 (``None``: uniform). Zero-weight points are allowed.
    cost:
        A dense ``n × m`` cost matrix; or give ``x`` and ``y`` instead.
    reg:
        The entropic regularization (> 0), in the cost's units.
    tol:
        Stop when the larger L1 violation of the two marginals is at most ``tol``.
    max_iter:
        Most iterations (Sinkhorn sweeps plus Newton steps).
    eps_scaling:
        ε-scaling (``"log"``, ``"sns"``): start ``reg`` at the largest cost and multiply it by this
        factor in ``(0, 1)`` per stage (two sweeps each) down to ``reg``. ``None``: off.
    store_kernel:
        ``"log"`` and ``"sns"`` (its Sinkhorn sweeps): store the stabilized kernel (``n·m``
        float64). ``None``: when it takes at most ``KERNEL_BUDGET`` entries (1 GiB).
    device:
        ``"cpu"``, ``"cuda"`` (``gpu/sinkhorn.cu``; ``method="log"`` and ``"sns"``) or ``"auto"``
        (CUDA when the input is a cupy array). ``store_kernel`` is a CPU knob: the CUDA sweeps are
        fused passes with nothing ``n × m`` stored.

    Returns
    -------
    TransportResult: potentials, the plan (dense, or :class:`SparsePlan` for ``"sns"``), the
    transport cost, iteration and pass counts, and a per-iteration ``log`` DataFrame.
    """
    reg = positive_float(reg, "reg")
    tol = positive_float(tol, "tol")
    max_iter = int_at_least(max_iter, "max_iter", 1)
    warmup = int_at_least(warmup, "warmup", 0)
    if method not in ("sinkhorn", "log", "sns"):
        raise InvalidParameterError(
            f"invalid method: got {method!r}, expected 'sinkhorn', 'log' or 'sns'"
        )
    if eps_scaling is not None and not (0 < float(eps_scaling) < 1):
        raise InvalidParameterError(
            f"invalid eps_scaling: got {eps_scaling!r}, expected a factor in (0, 1) or None"
        )
    if not (0 <= float(keep_drop) < 1):
        raise InvalidParameterError(f"invalid keep_drop: got {keep_drop!r}, expected [0, 1)")
    keep = (2**63 - 1) if max_keep is None else int_at_least(max_keep, "max_keep", 1)
    where = resolve_device(device, cost if cost is not None else x)
    if where == "cuda":
        from onstream.ot import _cuda_sinkhorn

        return _cuda_sinkhorn.sinkhorn(
            a, b, cost, x, y, reg=reg, method=method, tol=tol, max_iter=max_iter,
            eps_scaling=eps_scaling, warmup=warmup, keep_drop=float(keep_drop), max_keep=keep,
        )  # fmt: skip
    problem = make_problem(a, b, cost, x, y)
    if store_kernel is None:
        n, m = problem.support_shape
        store_kernel = n * m <= KERNEL_BUDGET
    out = _core.ot_solve(
        problem.a,
        problem.b,
        **problem.core_args(),
        reg=reg,
        method=method,
        tol=tol,
        max_iter=max_iter,
        eps_scaling=None if eps_scaling is None else float(eps_scaling),
        warmup=warmup,
        keep_drop=float(keep_drop),
        max_keep=keep,
        stored_kernel=bool(store_kernel),
    )
    return finish(problem, out, reg=reg, method=method, device="cpu")


def finish(
    problem: Problem, out: dict[str, Any], *, reg: float, method: str, device: str
) -> TransportResult:
    """Evaluate the cost (and the sparse plan for SNS) on the CPU and wrap a native result."""
    sparse = method == "sns"
    ev = _core.ot_evaluate(
        **problem.core_args(),
        f=out["f"],
        g=out["g"],
        reg=reg,
        keep_drop=PLAN_DROP if sparse else None,
        max_keep=2**63 - 1,
    )
    plan = None
    if sparse:
        plan = _expand_sparse(problem, ev["indptr"], ev["indices"], ev["data"])
    return _wrap(problem, out, reg=reg, method=method, device=device, cost=ev["linear"], plan=plan)


def finish_device(
    problem: Problem, dev: Any, out: dict[str, Any], *, reg: float, method: str, f: Any, g: Any
) -> TransportResult:
    """Wrap a CUDA result: the transport cost (and the sparse plan for SNS) computed on the device
    from its potentials ``f``, ``g`` (device arrays; ``dev`` is the ``_cuda.Device``)."""
    inv = 1.0 / reg
    plan = None
    if method == "sns":
        s = dev.sparsify(f, g, dev.lse_rows(g, inv), inv, PLAN_DROP, 2**63 - 1)
        host = dev.cp.asnumpy
        plan = _expand_sparse(problem, host(s.indptr).astype(np.int64),
                              host(s.indices).astype(np.int32), host(s.data))  # fmt: skip
    cost = dev.transport_cost(f, g, inv)
    return _wrap(problem, out, reg=reg, method=method, device="cuda", cost=cost, plan=plan)


def _wrap(
    problem: Problem,
    out: dict[str, Any],
    *,
    reg: float,
    method: str,
    device: str,
    cost: float,
    plan: SparsePlan | None,
) -> TransportResult:
    f, g = out["f"], out["g"]
    return TransportResult(
        f=problem.expand_rows(f, -math.inf),
        g=problem.expand_cols(g, -math.inf),
        reg=reg,
        method=method,
        cost=float(cost),
        marginal_error=float(out["marginal_error"]),
        converged=bool(out["converged"]),
        n_iter=int(out["n_iter"]),
        sinkhorn_iter=int(out["sinkhorn_iter"]),
        newton_iter=int(out["newton_iter"]),
        cg_iter=int(out["cg_iter"]),
        passes=int(out["passes"]),
        work=float(out["work"]),
        log=pl.DataFrame(out["log"], schema=_LOG_SCHEMA),
        device=device,
        _problem=problem,
        _sparse=plan,
    )


_LOG_SCHEMA = {
    "iteration": pl.Int64,
    "stage": pl.String,
    "reg": pl.Float64,
    "marginal_error": pl.Float64,
    "passes": pl.Int64,
    "work": pl.Float64,
}


def _expand_sparse(problem: Problem, indptr: Any, indices: Any, data: Any) -> SparsePlan:
    n, m = problem.shape
    if problem.support_shape == problem.shape:
        return SparsePlan(indptr=indptr, indices=indices, data=data, shape=(n, m))
    counts = np.zeros(n, dtype=np.int64)
    counts[problem.rows] = np.diff(indptr)
    full_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    cols = problem.cols[indices].astype(np.int32)
    return SparsePlan(indptr=full_ptr, indices=cols, data=data, shape=(n, m))
