"""Sinkhorn-Newton-Sparse on the GPU (Tang et al., ICLR 2024, Algorithm 1): the CPU path's algorithm
(``rust/onstream-core/src/ot/sns.rs``, which states it in full) with its dense passes as the kernels
of ``gpu/sinkhorn.cu`` and its Newton solve as conjugate gradients over cuSPARSE products.

The Newton matrix ``[[diag(r), S], [Sᵀ, diag(c)]]`` keeps, row by row, the heaviest entries of the
plan until at most ``drop`` of the row's mass is left out (``ot_sparsify_*``: like the CPU, a
histogram of each row's log-shares instead of a sort, in finer bins, with the same guarantee).
Where the CPU gets a trial point's marginals, objective and sparse plan from one fused pass, the
GPU spends one pass on the objective (enough to reject a trial), and three more on an accepted
point: its column sums and the two sparsify passes. The Newton system is solved by
:func:`onstream.ot._cuda_cg.pcg` (why not cupyx's ``cg``: there). The constants are the CPU's.
"""

from __future__ import annotations

import math
from typing import Any

from onstream.ot._cuda import Device, Tally
from onstream.ot._cuda_cg import pcg
from onstream.ot._cuda_sinkhorn import SWEEPS_PER_STAGE, schedule, sweeps

__all__ = ["run"]

ARMIJO = 1e-4
MAX_HALVINGS = 12
STEP_CAP = 8.0
DIAG_FLOOR = 1e-14
STALL = 0.5


class _Point:
    """Potentials with their row LSE (so row sums and the objective) measured at ``eps``."""

    def __init__(self, dev: Device, f: Any, g: Any, eps: float, tally: Tally) -> None:
        cp = dev.cp
        self.f, self.g = f, g
        self.lse = dev.lse_rows(g, 1.0 / eps)
        tally.passes += 1
        self.rows = cp.exp(f / eps + self.lse)
        af, bg = float(dev.a @ f), float(dev.b @ g)
        mass = eps * float(self.rows.sum())
        self.dual = af + bg - mass
        self.slack = 1e-13 * (abs(af) + abs(bg) + abs(mass))
        self.cols: Any = None

    def finite(self) -> bool:
        return math.isfinite(self.dual)

    def measure_cols(self, dev: Device, eps: float, tally: Tally) -> float:
        """Column sums, and the marginal error (the larger L1 violation)."""
        cp = dev.cp
        self.cols = cp.exp(self.g / eps + dev.lse_cols(self.f, 1.0 / eps))
        tally.passes += 1
        ra = float(cp.abs(dev.a - self.rows).sum())
        cb = float(cp.abs(dev.b - self.cols).sum())
        return max(ra, cb)


def _newton_direction(
    dev: Device, pt: _Point, eps: float, err: float, drop: float, max_keep: int, tally: Tally
) -> tuple[Any, Any]:
    """The inexact Newton direction at ``pt`` and the gradient it was solved for."""
    cp = dev.cp
    from cupyx.scipy import sparse

    n, m = dev.n, dev.m
    s = dev.sparsify(pt.f, pt.g, pt.lse, 1.0 / eps, drop, max_keep)
    tally.passes += 2
    st = s.T.tocsr()
    grad = cp.concatenate([dev.a - pt.rows, dev.b - pt.cols])
    top = float(max(pt.rows.max(), pt.cols.max()))
    diag = cp.maximum(cp.concatenate([pt.rows, pt.cols]), DIAG_FLOOR * top)
    # The off-diagonal blocks [[0, S], [Sᵀ, 0]] as one CSR, by concatenation: a CG iteration is
    # then one cuSPARSE product and one diagonal term.
    off = sparse.csr_matrix(
        (cp.concatenate([s.data, st.data]), cp.concatenate([s.indices + n, st.indices]),
         cp.concatenate([s.indptr, s.indptr[-1] + st.indptr[1:]])),
        shape=(n + m, n + m),
    )  # fmt: skip
    # Inexact Newton (Eisenstat–Walker): only as accurate as the current error warrants.
    rtol = min(max(err, 1e-12), 0.1)
    direction, steps = pcg(off, diag, eps * grad, rtol, 10 * (n + m))
    tally.cg += steps
    tally.sparse_work += steps * 2.0 * int(s.nnz) / (n * m)
    return direction, grad


def run(
    dev: Device,
    *,
    reg: float,
    tol: float,
    max_iter: int,
    scaling: float | None,
    warmup: int,
    drop: float,
    max_keep: int,
    tally: Tally,
) -> tuple[Any, Any, float]:
    """SNS at ``reg``: warm-up sweeps (after ε-scaling stages when asked for), then Newton steps
    with a Sinkhorn fallback when they stall. Returns ``(f, g, marginal error)``."""
    cp, eps, n = dev.cp, reg, dev.n
    stages = 0
    if scaling is not None:
        stages = len(schedule(dev.max_cost(), eps, scaling)) * SWEEPS_PER_STAGE
    zeros = (cp.zeros(dev.n, dtype=cp.float64), cp.zeros(dev.m, dtype=cp.float64))
    warm = sweeps(dev, *zeros, eps=eps, tol=tol, until=min(stages + warmup, max_iter),
                  scaling=scaling, stage="sinkhorn", tally=tally)  # fmt: skip
    if warm.done:
        return warm.f, warm.g, warm.err
    pt = _Point(dev, warm.f, warm.g, eps, tally)
    err = pt.measure_cols(dev, eps, tally)
    stalls = 0
    while True:
        if err <= tol or tally.iter >= max_iter or not pt.finite():
            return pt.f, pt.g, err
        direction, grad = _newton_direction(dev, pt, eps, err, drop, max_keep, tally)
        slope = float(grad @ direction)
        longest = float(cp.abs(direction).max())
        alpha = STEP_CAP * eps / longest if longest > STEP_CAP * eps else 1.0
        accepted = None
        if math.isfinite(longest):  # a broken-down CG direction goes straight to the fallback
            for _ in range(MAX_HALVINGS):
                trial = _Point(dev, pt.f + alpha * direction[:n], pt.g + alpha * direction[n:],
                               eps, tally)  # fmt: skip
                if trial.finite() and trial.dual >= pt.dual + ARMIJO * alpha * slope - pt.slack:
                    accepted = trial
                    break
                alpha *= 0.5
        tally.record("newton", eps, err)
        if accepted is not None:
            new_err = accepted.measure_cols(dev, eps, tally)
            stalls = stalls + 1 if new_err > STALL * err else 0
            pt, err = accepted, new_err
        else:
            stalls = 2
        if stalls >= 2:
            s = sweeps(dev, pt.f, pt.g, eps=eps, tol=tol, until=min(tally.iter + warmup, max_iter),
                       scaling=None, stage="fallback", tally=tally)  # fmt: skip
            pt = _Point(dev, s.f, s.g, eps, tally)
            err = pt.measure_cols(dev, eps, tally)
            stalls = 0
